"""Writing messages: the lists and people a user may pick, reply and forward pre-filling,
signatures, and saving or sending what the compose form holds without ever losing it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from lien.core.models import (
    Enrolment,
    Establishment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    TeachingAssignment,
)
from lien.core.policy import may_act
from lien.messaging import attachments, policy, services
from lien.messaging.models import Address, Field, Message, Signature

Kind = Address.Kind
Role = Profile.Role

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20
# Each candidate costs a few policy queries: look at this many at most, then ask for more words.
SEARCH_SCAN_LIMIT = 60
SIGNATURE_MAX_LENGTH = 500
STAFF_KEY = Kind.STAFF.value
CLASS_KINDS = (Kind.CLASS_STUDENTS, Kind.CLASS_PARENTS, Kind.CLASS_TEACHERS)
GROUP_KINDS = (Kind.GROUP_STUDENTS, Kind.GROUP_PARENTS)


# --- Lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListChoice:
    """One list the compose form offers, e.g. « Parents de 2nde A »."""

    key: str
    kind: str
    label: str
    section: str
    school_class: SchoolClass | None = None
    group: Group | None = None

    def address(self, field_name: str = Field.TO) -> Address:
        return Address(
            kind=self.kind, school_class=self.school_class, group=self.group, field=field_name
        )


@dataclass
class ListSection:
    legend: str
    choices: list[ListChoice] = field(default_factory=list)


def list_key(kind: str, target=None) -> str:
    """The value a list's checkbox posts: "staff" or "class_parents:<class code>"."""
    return STAFF_KEY if kind == Kind.STAFF else f"{kind}:{target.code}"


def address_key(address: Address) -> str:
    return list_key(address.kind, services.address_target(address))


def _names(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s et %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _class_label(kind: str, school_class: SchoolClass) -> str:
    labels = {
        Kind.CLASS_STUDENTS: _("Élèves de %(name)s"),
        Kind.CLASS_PARENTS: _("Parents de %(name)s"),
        Kind.CLASS_TEACHERS: _("Enseignants de %(name)s"),
    }
    return labels[kind] % {"name": school_class.name}


def _group_label(kind: str, group: Group) -> str:
    labels = {
        Kind.GROUP_STUDENTS: _("Élèves du groupe %(name)s"),
        Kind.GROUP_PARENTS: _("Parents du groupe %(name)s"),
    }
    return labels[kind] % {"name": group.name}


def _taught_class_ids(user, class_ids: list[int]) -> set[int]:
    """The classes among `class_ids` that `lien.core.policy.teaches_class` says the user
    teaches, in three queries rather than one per class."""
    teaching = {"teacher__user": user, "teacher__role": Role.TEACHER}
    direct = TeachingAssignment.objects.filter(school_class__in=class_ids, **teaching)
    through_groups = Enrolment.objects.filter(
        school_class__in=class_ids,
        student__student_groups__teachings__teacher__user=user,
        student__student_groups__teachings__teacher__role=Role.TEACHER,
        student__student_groups__school_year=F("school_class__school_year"),
    )
    main = SchoolClass.objects.filter(pk__in=class_ids, main_teacher__user=user)
    return (
        set(direct.values_list("school_class_id", flat=True))
        | set(through_groups.values_list("school_class_id", flat=True))
        | set(main.values_list("pk", flat=True))
    )


def addressable_lists(user, establishment) -> list[ListChoice]:
    """The lists of the establishment's current year this user may write to.

    The answer is `policy.can_address_list` for every list (a test holds the two together), in
    a handful of queries: asking the policy list by list would cost one to three queries for
    each of the hundred-odd lists a lycée's staff may use.
    """
    if establishment is None or not may_act(user):
        return []
    roles = set(
        Profile.objects.filter(user=user, establishment=establishment).values_list(
            "role", flat=True
        )
    )
    if not roles:
        return []
    current = {"establishment": establishment, "school_year__is_current": True}
    classes = list(SchoolClass.objects.filter(**current).order_by("name"))
    groups = list(Group.objects.filter(**current).order_by("name"))
    class_ids = [c.pk for c in classes]
    own_class_ids: set[int] = set()
    children_by_class: dict[int, list[str]] = {}
    if Role.STAFF in roles:
        taught_classes, taught_groups = set(class_ids), {g.pk for g in groups}
        team_classes = set(class_ids)
    elif Role.TEACHER in roles:
        taught_classes = _taught_class_ids(user, class_ids)
        taught_groups = set(
            Group.objects.filter(
                pk__in=[g.pk for g in groups], teachings__teacher__user=user
            ).values_list("pk", flat=True)
        )
        team_classes = set(class_ids)
    else:
        taught_classes, taught_groups = set(), set()
        enrolments = Enrolment.objects.filter(school_class__in=class_ids)
        own_class_ids = set(
            enrolments.filter(student__user=user).values_list("school_class_id", flat=True)
        )
        for enrolment in (
            enrolments.filter(student__parent_links__parent__user=user)
            .select_related("student__user")
            .order_by("student__user__first_name", "pk")
            .distinct()
        ):
            children_by_class.setdefault(enrolment.school_class_id, []).append(
                enrolment.student.user.first_name or enrolment.student.user.get_full_name()
            )
        team_classes = own_class_ids | set(children_by_class)

    choices: list[ListChoice] = []
    teams_section = _("Équipes pédagogiques")
    for school_class in classes:
        if school_class.pk in taught_classes:
            for kind in CLASS_KINDS:
                choices.append(
                    ListChoice(
                        list_key(kind, school_class),
                        kind,
                        _class_label(kind, school_class),
                        school_class.name,
                        school_class=school_class,
                    )
                )
    for group in groups:
        if group.pk in taught_groups:
            for kind in GROUP_KINDS:
                choices.append(
                    ListChoice(
                        list_key(kind, group),
                        kind,
                        _group_label(kind, group),
                        _("Groupe %(name)s") % {"name": group.name},
                        group=group,
                    )
                )
    for school_class in classes:
        if school_class.pk in team_classes and school_class.pk not in taught_classes:
            if school_class.pk in own_class_ids:
                label = _("Enseignants de ma classe (%(name)s)") % {"name": school_class.name}
            elif school_class.pk in children_by_class:
                label = _("Enseignants de la classe de %(children)s (%(name)s)") % {
                    "children": _names(children_by_class[school_class.pk]),
                    "name": school_class.name,
                }
            else:
                label = _class_label(Kind.CLASS_TEACHERS, school_class)
            choices.append(
                ListChoice(
                    list_key(Kind.CLASS_TEACHERS, school_class),
                    Kind.CLASS_TEACHERS,
                    label,
                    teams_section,
                    school_class=school_class,
                )
            )
    choices.append(
        ListChoice(STAFF_KEY, Kind.STAFF, _("Personnels de l'établissement"), _("Établissement"))
    )
    return choices


def list_choice_of(address: Address) -> ListChoice:
    """A choice for a list a draft holds that the form does not offer (any more)."""
    section = _("Autres listes")
    if address.kind == Kind.STAFF:
        return ListChoice(STAFF_KEY, Kind.STAFF, _("Personnels de l'établissement"), section)
    if address.kind in CLASS_KINDS:
        target = address.school_class
        label = _class_label(address.kind, target)
        return ListChoice(address_key(address), address.kind, label, section, school_class=target)
    return ListChoice(
        address_key(address),
        address.kind,
        _group_label(address.kind, address.group),
        section,
        group=address.group,
    )


def sections_of(choices: list[ListChoice]) -> list[ListSection]:
    sections: dict[str, ListSection] = {}
    for choice in choices:
        sections.setdefault(choice.section, ListSection(choice.section)).choices.append(choice)
    return list(sections.values())


def operator_establishments(profile: Profile) -> list[Establishment]:
    """The establishments an operator may write to (their staff): their collectivité's."""
    return list(Establishment.objects.filter(collectivity=profile.collectivity_id).order_by("name"))


# --- People --------------------------------------------------------------------------------------


def people_scope(establishment, extra_user_ids=()):
    """The accounts a compose form may name: the people of the establishment, plus (for a
    reply) the author of the message answered, who may be a collectivité's operator."""
    User = get_user_model()
    return User.objects.filter(
        Q(profiles__establishment=establishment) | Q(pk__in=list(extra_user_ids))
    ).distinct()


def describe_people(users, establishment) -> dict[int, str]:
    """A short description next to each name: « Élève de 2nde A », « Parent de Léa Martin »."""
    profiles = (
        Profile.objects.filter(user__in=[user.pk for user in users], establishment=establishment)
        .order_by("pk")
        .prefetch_related(
            Prefetch(
                "child_links",
                queryset=ParentLink.objects.select_related("student__user").order_by("pk"),
            ),
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.filter(school_year__is_current=True).select_related(
                    "school_class"
                ),
            ),
        )
    )
    labels: dict[int, list[str]] = {}
    for profile in profiles:
        if profile.role == Role.STUDENT and profile.enrolments.all():
            label = _("Élève de %(name)s") % {
                "name": ", ".join(e.school_class.name for e in profile.enrolments.all())
            }
        elif profile.role == Role.PARENT and profile.child_links.all():
            label = _("Parent de %(children)s") % {
                "children": _names(
                    [link.student.user.get_full_name() for link in profile.child_links.all()]
                )
            }
        else:
            label = profile.label
        labels.setdefault(profile.user_id, []).append(label)
    return {user_id: ", ".join(parts) for user_id, parts in labels.items()}


@dataclass
class SearchResult:
    query: str
    people: list = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)
    too_short: bool = False
    maybe_more: bool = False


def search_people(user, establishment, query: str, exclude_ids=()) -> SearchResult:
    """People of the establishment whose name holds every word of the query and whom the user
    may write to (`policy.can_write_to`), at most `SEARCH_LIMIT`."""
    query = " ".join(query.split())
    result = SearchResult(query)
    if not query:
        return result
    if len(query) < SEARCH_MIN_LENGTH:
        result.too_short = True
        return result
    User = get_user_model()
    candidates = (
        User.objects.filter(is_active=True, profiles__establishment=establishment)
        .exclude(pk=user.pk)
        .exclude(pk__in=list(exclude_ids))
    )
    for word in query.split():
        candidates = candidates.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    scanned = list(
        candidates.distinct().order_by("last_name", "first_name", "pk")[: SEARCH_SCAN_LIMIT + 1]
    )
    for position, candidate in enumerate(scanned[:SEARCH_SCAN_LIMIT]):
        if policy.can_write_to(user, candidate):
            result.people.append(candidate)
            if len(result.people) == SEARCH_LIMIT:
                result.maybe_more = position + 1 < len(scanned)
                break
    else:
        result.maybe_more = len(scanned) > SEARCH_SCAN_LIMIT
    result.labels = describe_people(result.people, establishment)
    return result


# --- Reply and forward ----------------------------------------------------------------------------

REPLY_PREFIX = re.compile(r"^\s*(re|ré|aw)\s*:", re.IGNORECASE)
FORWARD_PREFIX = re.compile(r"^\s*(tr|fwd?|wg)\s*:", re.IGNORECASE)


def _prefixed(subject: str, pattern: re.Pattern, template: str) -> str:
    subject = subject.strip()
    if not pattern.match(subject):
        subject = template % {"subject": subject}
    return subject[: services.SUBJECT_MAX_LENGTH]


def reply_subject(subject: str) -> str:
    return _prefixed(subject, REPLY_PREFIX, _("Re : %(subject)s"))


def forward_subject(subject: str) -> str:
    return _prefixed(subject, FORWARD_PREFIX, _("Tr : %(subject)s"))


def quote(message: Message) -> str:
    """The original below the reply: « Le 24/11/2026 à 08:12, M. Dupont a écrit : » then each
    line prefixed with « > »."""
    sent_at = timezone.localtime(message.sent_at)
    header = _("Le %(date)s à %(time)s, %(name)s a écrit :") % {
        "date": date_format(sent_at, "d/m/Y"),
        "time": time_format(sent_at, "H:i"),
        "name": message.sender.get_full_name() or message.sender.username,
    }
    lines = [f"> {line}" if line.strip() else ">" for line in message.body.splitlines()]
    return "\n\n" + "\n".join([header, *lines])


@dataclass
class Prefill:
    subject: str = ""
    body: str = ""
    people: list = field(default_factory=list)
    lists: list[str] = field(default_factory=list)


def reply_prefill(user, original: Message, everyone: bool) -> Prefill:
    """Reply: the author. Reply all: also the people and the lists of the original (never its
    Cci) that this user may write to; a list they may not address is dropped, not expanded."""
    prefill = Prefill(reply_subject(original.subject), quote(original))
    if original.sender_id != user.pk:
        prefill.people.append(original.sender)
    if not everyone and original.sender_id != user.pk:
        return prefill
    addresses = original.addresses.filter(field__in=[Field.TO, Field.CC]).select_related(
        "user", "school_class", "group"
    )
    for address in addresses.order_by("pk"):
        if address.kind == Kind.USER:
            person = address.user
            if (
                person.pk != user.pk
                and person not in prefill.people
                and policy.can_write_to(user, person)
            ):
                prefill.people.append(person)
            continue
        target = (
            original.establishment
            if address.kind == Kind.STAFF
            else services.address_target(address)
        )
        same_establishment = (
            address.kind == Kind.STAFF or target.establishment_id == original.establishment_id
        )
        key = address_key(address)
        if (
            same_establishment
            and key not in prefill.lists
            and policy.can_address_list(user, address.kind, target)
        ):
            prefill.lists.append(key)
    return prefill


def forward_prefill(original: Message) -> Prefill:
    return Prefill(forward_subject(original.subject), quote(original))


# --- Signature ----------------------------------------------------------------------------------


def signature_of(user) -> str:
    return (
        Signature.objects.filter(user=user).values_list("text", flat=True).first() or ""
    ).strip()


def do_set_signature(user, text: str) -> None:
    Signature.objects.update_or_create(user=user, defaults={"text": text.strip()})


def add_signature(body: str, signature: str) -> str:
    """The body with the signature after the user's text: above a quoted original ending the
    body (a header line ending with ":" then lines starting with ">"), else at the end."""
    if not signature:
        return body
    block = f"-- \n{signature}"
    lines = body.rstrip().splitlines()
    start = len(lines)
    while start > 0 and lines[start - 1].startswith(">"):
        start -= 1
    if start < len(lines) and start > 0 and lines[start - 1].rstrip().endswith(":"):
        above = "\n".join(lines[: start - 1]).rstrip()
        below = "\n".join(lines[start - 1 :])
        return f"{above}\n\n{block}\n\n{below}" if above else f"{block}\n\n{below}"
    text = body.rstrip()
    return f"{text}\n\n{block}" if text else block


# --- Drafts and sending -------------------------------------------------------------------------


class AlreadySent(Exception):
    """The draft was sent meanwhile (a double click, another tab)."""

    def __init__(self, message: Message):
        super().__init__(message.code)
        self.message = message


def is_empty(draft: services.Draft) -> bool:
    return not (draft.subject.strip() or draft.body.strip() or draft.addresses)


def _locked(user, message: Message | None) -> Message | None:
    """The draft, locked against a concurrent save or send of the same draft."""
    if message is None:
        return None
    locked = Message.objects.select_for_update().filter(pk=message.pk, sender=user).first()
    if locked is None:
        raise PermissionDenied(_("Ce brouillon n'est pas le vôtre."))
    if not locked.is_draft:
        raise AlreadySent(locked)
    return locked


def save_draft(
    user, establishment, draft: services.Draft, message: Message | None = None
) -> Message:
    """Save what the form holds as a draft (`services.do_save_draft`); raises AlreadySent if
    that draft went meanwhile."""
    try:
        with transaction.atomic():
            return services.do_save_draft(user, establishment, draft, _locked(user, message))
    except IntegrityError:
        # Two saves of a new draft raced (a beacon and a click): the other one created it.
        if message is not None or not draft.idempotency_key:
            raise
        existing = Message.objects.get(sender=user, idempotency_key=draft.idempotency_key)
        return save_draft(user, establishment, draft, existing)


def send(
    user, establishment, draft: services.Draft, message: Message | None = None, signature=""
) -> Message:
    """Send (`services.check_send`, which raises ValidationError or PermissionDenied), the draft
    `message` in place if given, with the signature added to the body."""
    signed = replace(draft, body=add_signature(draft.body, signature))
    with transaction.atomic():
        return services.check_send(user, establishment, signed, message=_locked(user, message))


def remove_attachment(user, message: Message, code):
    """Take one file off the draft `message` (`attachments.do_remove_attachment`), the draft
    locked; raises AlreadySent if it went meanwhile."""
    with transaction.atomic():
        return attachments.do_remove_attachment(_locked(user, message), code)


def do_delete_draft(user, message: Message) -> None:
    with transaction.atomic():
        _locked(user, message).delete()


def scheduled_time(day, moment) -> datetime:
    """A date and time typed in the establishment's time zone (Europe/Paris)."""
    return timezone.make_aware(datetime.combine(day, moment))
