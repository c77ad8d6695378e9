"""What the news pages show, and every write of the news domain (check_* authorizes and
validates, then calls do_*, which writes in a transaction)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lien.admission.services import max_upload_bytes
from lien.core import fragments
from lien.core.models import Collectivity, Establishment, ParentLink, Profile
from lien.messaging import attachments as files
from lien.messaging import services as messaging
from lien.messaging.models import Address
from lien.news import policy
from lien.news.models import (
    FLASH_MAX_LENGTH,
    REVIEW_NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Acknowledgement,
    Audience,
    FlashDismissal,
    FlashMessage,
    NewsAttachment,
    NewsItem,
    NewsSettings,
    Reminder,
)

PAGE_SIZE = 20
MISSING_PAGE_SIZE = 100
REMIND_INTERVAL = timedelta(hours=1)
Kind = Audience.Kind
Status = NewsItem.Status
Role = Profile.Role


# Reading ----------------------------------------------------------------------------------------


def visible_news(user, profile: Profile | None, moment: datetime | None = None) -> QuerySet:
    """The items this profile may open (for its author and the staff, also the ones not public
    yet or any more), in one query."""
    moment = moment or timezone.now()
    return NewsItem.objects.filter(policy.news_visibility(user, profile, moment))


def _for_listing(items: QuerySet, user) -> QuerySet:
    return (
        items.select_related("author")
        .prefetch_related(
            Prefetch("audiences", queryset=Audience.objects.select_related("school_class", "group"))
        )
        .annotate(
            acknowledged=Exists(Acknowledgement.objects.filter(item=OuterRef("pk"), user=user)),
            has_attachments=Exists(NewsAttachment.objects.filter(item=OuterRef("pk"))),
        )
        .order_by("-is_pinned", "-publish_at", "-pk")
    )


class ListView:
    CURRENT = "current"
    UPCOMING = "upcoming"
    EXPIRED = "expired"


def news_page(user, profile: Profile | None, view: str, page_number) -> Page:
    """One page of the list: the items public now (pinned first, newest first), or, for those
    who write news, the ones waiting (drafts, submitted, scheduled) or expired."""
    moment = timezone.now()
    items = visible_news(user, profile, moment)
    if view == ListView.UPCOMING:
        not_ended = Q(expires_at__isnull=True) | Q(expires_at__gt=moment)
        items = items.filter(not_ended).exclude(policy.public_at(moment))
    elif view == ListView.EXPIRED:
        items = items.filter(expires_at__lte=moment)
    else:
        items = items.filter(policy.public_at(moment))
    page = Paginator(_for_listing(items, user), PAGE_SIZE).get_page(page_number)
    page.object_list = _marked(profile, page.object_list)
    return page


def home_items(user, profile: Profile | None, limit: int = 5) -> list[NewsItem]:
    """The latest items public now for a home page, pinned first (two queries)."""
    moment = timezone.now()
    items = visible_news(user, profile, moment).filter(policy.public_at(moment))
    return _marked(profile, _for_listing(items, user)[:limit])


def _marked(profile: Profile | None, items) -> list[NewsItem]:
    """Flag the items still waiting for this parent's confirmation (`awaits_acknowledgement`)."""
    items = list(items)
    is_parent = profile is not None and profile.role == Role.PARENT
    for item in items:
        waits = item.requires_acknowledgement and not getattr(item, "acknowledged", False)
        item.awaits_acknowledgement = is_parent and waits  # type: ignore[attr-defined]
    return items


def access_item(user, code) -> NewsItem:
    """The item, if one of the user's profiles may open it; Http404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    moment = timezone.now()
    condition = Q(pk__in=[])
    for profile in Profile.objects.filter(user=user):
        condition |= policy.news_visibility(user, profile, moment)
    item = (
        NewsItem.objects.filter(code=code)
        .filter(condition)
        .select_related("author", "establishment", "published_by")
        .prefetch_related(
            Prefetch("audiences", queryset=Audience.objects.select_related("school_class", "group"))
        )
        .first()
    )
    if item is None:
        raise Http404
    return item


def access_attachment(user, code) -> NewsAttachment:
    attachment = NewsAttachment.objects.filter(code=code).select_related("item").first()
    if attachment is None:
        raise Http404
    access_item(user, attachment.item.code)
    return attachment


def submitted_items(establishment: Establishment) -> QuerySet:
    return (
        NewsItem.objects.filter(establishment=establishment, status=Status.SUBMITTED)
        .select_related("author")
        .prefetch_related(
            Prefetch("audiences", queryset=Audience.objects.select_related("school_class", "group"))
        )
        .order_by("updated_at", "pk")
    )


def has_acknowledged(user, item: NewsItem) -> Acknowledgement | None:
    return Acknowledgement.objects.filter(item=item, user=user).first()


def may_acknowledge(user, item: NewsItem) -> bool:
    return (
        item.requires_acknowledgement
        and item.is_public_at(timezone.now())
        and policy.parents_asked_to_acknowledge(item).filter(pk=user.pk).exists()
    )


def _touch_home_pages(profiles: QuerySet) -> None:
    """These people's home pages show the news and banners (cached per user by
    lien.core.fragments): forget their cached pieces."""
    fragments.touch(profiles.values_list("user_id", flat=True).distinct())


# Writing news -----------------------------------------------------------------------------------


@dataclass
class AudienceChoice:
    """One audience the compose form offers: `key` is what the form posts."""

    key: str
    audience: Audience

    @property
    def label(self) -> str:
        return self.audience.label


def audience_choices(user, establishment: Establishment) -> list[AudienceChoice]:
    """The audiences this user may publish to, in the order the form shows them."""
    choices = []
    if policy.may_address_establishment(user, establishment):
        choices.append(AudienceChoice("establishment", Audience(kind=Kind.ESTABLISHMENT)))
    for school_class in policy.addressable_classes(user, establishment):
        for kind in (Kind.CLASS, Kind.CLASS_PARENTS):
            choices.append(
                AudienceChoice(
                    f"{kind}:{school_class.code}", Audience(kind=kind, school_class=school_class)
                )
            )
    for group in policy.addressable_groups(user, establishment):
        choices.append(
            AudienceChoice(f"group:{group.code}", Audience(kind=Kind.GROUP, group=group))
        )
    return choices


def audience_key(audience: Audience) -> str:
    if audience.kind == Kind.ESTABLISHMENT:
        return "establishment"
    target = audience.school_class if audience.school_class_id else audience.group
    return f"{audience.kind}:{target.code}"  # type: ignore[union-attr]


@dataclass
class ItemDraft:
    """What the compose form holds (valid or not)."""

    title: str
    body: str
    audiences: list[Audience]
    publish_at: datetime | None = None
    expires_at: datetime | None = None
    is_pinned: bool = False
    requires_acknowledgement: bool = False
    new_files: list[files.CheckedFile] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)  # attachment codes


def _same_minute(first: datetime, second: datetime) -> bool:
    return first.replace(second=0, microsecond=0) == second.replace(second=0, microsecond=0)


def _publication_time(requested: datetime | None, item: NewsItem | None, now: datetime):
    """An item already published keeps its date; an empty or past date means now."""
    if (
        item is not None
        and item.status == Status.PUBLISHED
        and requested is not None
        and _same_minute(requested, item.publish_at)
    ):
        return item.publish_at
    if requested is None or requested < now:
        return now
    return requested


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y à H:i")


def _check_item_fields(user, establishment, draft: ItemDraft, item, now) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def refuse(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    title = draft.title.strip()
    if not title:
        refuse("title", _("Donnez un titre à l'actualité."))
    elif len(title) > TITLE_MAX_LENGTH:
        refuse(
            "title",
            _("Le titre est trop long (%(count)d caractères, %(max)d au plus).")
            % {"count": len(title), "max": TITLE_MAX_LENGTH},
        )
    if not draft.body.strip():
        refuse("body", _("Écrivez le texte de l'actualité."))
    if not draft.audiences:
        refuse("audiences", _("Choisissez à qui s'adresse l'actualité."))
    for audience in draft.audiences:
        target = audience.school_class or audience.group
        if not policy.can_address(user, establishment, audience.kind, target):
            raise PermissionDenied(
                _("Vous ne pouvez pas publier pour « %(audience)s ».") % {"audience": audience}
            )
    if draft.requires_acknowledgement and not any(
        audience.kind in policy.PARENT_AUDIENCES for audience in draft.audiences
    ):
        refuse(
            "requires_acknowledgement",
            _(
                "La confirmation de lecture est demandée aux parents : choisissez aussi des "
                "parents parmi les publics (tout l'établissement ou les parents d'une classe)."
            ),
        )
    publish_at = _publication_time(draft.publish_at, item, now)
    if draft.expires_at is not None:
        if draft.expires_at <= now:
            refuse(
                "expires_at",
                _(
                    "La date de fin de publication est passée : choisissez une date à venir, "
                    "ou laissez le champ vide."
                ),
            )
        elif draft.expires_at <= publish_at:
            refuse(
                "expires_at",
                _("La fin de publication doit venir après la publication (le %(date)s).")
                % {"date": _when(publish_at)},
            )
    file_errors = _check_files(establishment, item, draft)
    if file_errors:
        errors["attachments"] = file_errors
    return errors


def _check_files(establishment: Establishment, item: NewsItem | None, draft: ItemDraft):
    """Limits on top of the per-file checks of messaging.attachments: the files the item keeps
    count too, and a crisis mode may lower the size allowed."""
    errors = []
    largest = max_upload_bytes(establishment, files.max_file_bytes())
    for checked in draft.new_files:
        if checked.size > largest:
            errors.append(
                _(
                    "Le fichier « %(name)s » est trop lourd (%(size)s) : %(max)s au plus en ce "
                    "moment dans votre établissement."
                )
                % {
                    "name": checked.name,
                    "size": files.format_size(checked.size),
                    "max": files.format_size(largest),
                }
            )
    kept = {"count": 0, "total": 0}
    if item is not None:
        kept = item.attachments.exclude(code__in=draft.removed_files).aggregate(
            count=Count("pk"), total=Sum("size")
        )
    count = (kept["count"] or 0) + len(draft.new_files)
    total = (kept["total"] or 0) + sum(checked.size for checked in draft.new_files)
    if count > files.max_files():
        errors.append(
            _("Une actualité porte %(max)d fichiers au plus.") % {"max": files.max_files()}
        )
    if total > files.max_total_bytes():
        errors.append(
            _("Les pièces jointes pèsent %(size)s au total, %(max)s au plus.")
            % {
                "size": files.format_size(total),
                "max": files.format_size(files.max_total_bytes()),
            }
        )
    return errors


def check_save_item(
    user,
    establishment: Establishment,
    draft: ItemDraft,
    item: NewsItem | None = None,
    publish: bool = False,
) -> NewsItem:
    """Validate and save a new or changed item, as a draft or to publish. Publishing by a
    teacher of an establishment that validates news submits it instead.

    Raises PermissionDenied, or ValidationError keyed by form field; nothing is saved then.
    """
    if item is None:
        if not policy.can_write_news(user, establishment):
            raise PermissionDenied(_("Vous ne pouvez pas publier d'actualités ici."))
    elif item.establishment_id != establishment.pk or not policy.can_edit_news(user, item):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette actualité."))
    now = timezone.now()
    errors = _check_item_fields(user, establishment, draft, item, now)
    if errors:
        raise ValidationError(errors)
    if not publish:
        status = Status.DRAFT
    elif policy.needs_validation(user, establishment):
        status = Status.SUBMITTED
    else:
        status = Status.PUBLISHED
    return do_save_item(
        user, establishment, draft, item, status, _publication_time(draft.publish_at, item, now)
    )


def do_save_item(
    user,
    establishment: Establishment,
    draft: ItemDraft,
    item: NewsItem | None,
    status: str,
    publish_at: datetime,
) -> NewsItem:
    """Store the item, its audiences and its files in one transaction (files written before
    a failure are removed again)."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            if item is None:
                item = NewsItem(establishment=establishment, author=user)
            else:
                item = NewsItem.objects.select_for_update().get(pk=item.pk)
            if Status.PUBLISHED in (status, item.status):
                _touch_home_pages(Profile.objects.filter(establishment=establishment))
            if status == Status.PUBLISHED and item.status != Status.PUBLISHED:
                item.published_by = user
            if status != Status.DRAFT:
                item.review_note = ""
            item.title = draft.title.strip()
            item.body = draft.body.strip("\n")
            item.status = status
            item.publish_at = publish_at
            item.expires_at = draft.expires_at
            item.is_pinned = draft.is_pinned
            item.requires_acknowledgement = draft.requires_acknowledgement
            item.save()
            item.audiences.all().delete()
            Audience.objects.bulk_create(
                Audience(
                    item=item,
                    kind=audience.kind,
                    school_class=audience.school_class,
                    group=audience.group,
                )
                for audience in _distinct(draft.audiences)
            )
            _remove_files(item, draft.removed_files)
            for checked in draft.new_files:
                stored.append(_store_file(item, checked))
    except Exception:
        storage = NewsAttachment._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return item


def _distinct(audiences: list[Audience]) -> list[Audience]:
    return list({audience_key(audience): audience for audience in audiences}.values())


def _store_file(item: NewsItem, checked: files.CheckedFile) -> str:
    digest = hashlib.sha256()
    checked.file.seek(0)
    for chunk in checked.file.chunks():
        digest.update(chunk)
    checked.file.seek(0)
    attachment = NewsAttachment(
        item=item,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=digest.hexdigest(),
    )
    random_name = f"{uuid.uuid4().hex}.{files.EXTENSIONS[checked.content_type][0]}"
    attachment.file.save(random_name, checked.file, save=False)
    attachment.save()
    return attachment.file.name


def _remove_files(item: NewsItem, codes: list[str]) -> None:
    if not codes:
        return
    removed = item.attachments.filter(code__in=codes)
    _delete_stored_files_on_commit(list(removed.values_list("file", flat=True)))
    removed.delete()


def _delete_stored_files_on_commit(names: list[str]) -> None:
    storage = NewsAttachment._meta.get_field("file").storage
    for name in names:
        transaction.on_commit(partial(storage.delete, name))


def check_delete_item(user, item: NewsItem) -> None:
    if not policy.can_edit_news(user, item):
        raise PermissionDenied(_("Vous ne pouvez pas supprimer cette actualité."))
    do_delete_item(item)


def do_delete_item(item: NewsItem) -> None:
    with transaction.atomic():
        if item.status == Status.PUBLISHED:
            _touch_home_pages(Profile.objects.filter(establishment_id=item.establishment_id))
        _delete_stored_files_on_commit(list(item.attachments.values_list("file", flat=True)))
        item.delete()


# Validation -------------------------------------------------------------------------------------


def _locked_submitted(user, item: NewsItem) -> NewsItem:
    if not policy.can_validate_news(user, item.establishment):
        raise PermissionDenied(_("Seules la direction et la vie scolaire valident les actualités."))
    locked = NewsItem.objects.select_for_update().get(pk=item.pk)
    if locked.status != Status.SUBMITTED:
        raise ValidationError(_("Cette actualité n'attend plus de validation."))
    return locked


def check_publish_submitted(user, item: NewsItem) -> NewsItem:
    """A validator publishes a submitted item (now, or at its scheduled date)."""
    with transaction.atomic():
        locked = _locked_submitted(user, item)
        if locked.expires_at is not None and locked.expires_at <= timezone.now():
            raise ValidationError(
                _(
                    "La date de fin de publication de cette actualité est passée : "
                    "renvoyez-la à son auteur pour qu'il la change."
                )
            )
        _touch_home_pages(Profile.objects.filter(establishment_id=locked.establishment_id))
        locked.status = Status.PUBLISHED
        locked.published_by = user
        locked.publish_at = max(locked.publish_at, timezone.now())
        locked.review_note = ""
        locked.save(update_fields=["status", "published_by", "publish_at", "review_note"])
        return locked


def check_return_to_author(user, item: NewsItem, note: str) -> NewsItem:
    """A validator sends a submitted item back to its author, as a draft, with a remark."""
    note = note.strip()
    if len(note) > REVIEW_NOTE_MAX_LENGTH:
        raise ValidationError(
            _("La remarque est trop longue (%(max)d caractères au plus).")
            % {"max": REVIEW_NOTE_MAX_LENGTH}
        )
    with transaction.atomic():
        locked = _locked_submitted(user, item)
        locked.status = Status.DRAFT
        locked.review_note = note
        locked.save(update_fields=["status", "review_note"])
        return locked


def news_settings(establishment: Establishment) -> NewsSettings:
    found = NewsSettings.objects.filter(establishment=establishment).first()
    return found or NewsSettings(establishment=establishment)


def check_save_news_settings(
    user, establishment: Establishment, teachers_need_validation: bool
) -> NewsSettings:
    if not policy.can_adjust_news_settings(user, establishment):
        raise PermissionDenied
    saved, _created = NewsSettings.objects.update_or_create(
        establishment=establishment,
        defaults={"teachers_need_validation": teachers_need_validation},
    )
    return saved


# Acknowledgements -------------------------------------------------------------------------------


def check_acknowledge(user, item: NewsItem) -> Acknowledgement:
    """A parent confirms having read the item; confirming again changes nothing."""
    if not item.requires_acknowledgement:
        raise ValidationError(_("Cette actualité ne demande pas de confirmation de lecture."))
    if not may_acknowledge(user, item):
        raise PermissionDenied(
            _("Seuls les parents à qui s'adresse cette actualité en confirment la lecture.")
        )
    return do_acknowledge(user, item)


def do_acknowledge(user, item: NewsItem) -> Acknowledgement:
    fragments.touch([user.pk])  # the « À confirmer » mark on their home page
    try:
        with transaction.atomic():
            acknowledgement, _created = Acknowledgement.objects.get_or_create(item=item, user=user)
    except IntegrityError:  # the same click, twice at once
        acknowledgement = Acknowledgement.objects.get(item=item, user=user)
    return acknowledgement


@dataclass
class MissingParent:
    user: object
    children: list[str]


@dataclass
class AcknowledgementStatus:
    asked: int
    confirmed: int
    missing: Page
    last_reminder: Reminder | None
    next_reminder_at: datetime | None

    @property
    def missing_count(self) -> int:
        return self.asked - self.confirmed

    @property
    def may_remind(self) -> bool:
        """No reminder went out in the last hour."""
        return self.next_reminder_at is None or self.next_reminder_at <= timezone.now()


def _missing_parents(item: NewsItem) -> QuerySet:
    confirmed = Acknowledgement.objects.filter(item=item).values("user")
    return (
        policy.parents_asked_to_acknowledge(item)
        .exclude(pk__in=confirmed)
        .order_by("last_name", "first_name", "pk")
    )


def acknowledgement_counts(item: NewsItem) -> tuple[int, int]:
    """How many parents confirmed, out of how many were asked."""
    asked = policy.parents_asked_to_acknowledge(item)
    return Acknowledgement.objects.filter(item=item, user__in=asked).count(), asked.count()


def acknowledgement_status(item: NewsItem, page_number=None) -> AcknowledgementStatus:
    """Who was asked, who confirmed, and one page of those who have not (with their
    children's names), in a fixed number of queries."""
    confirmed, asked = acknowledgement_counts(item)
    page = Paginator(_missing_parents(item), MISSING_PAGE_SIZE).get_page(page_number)
    users = list(page.object_list)
    links = ParentLink.objects.filter(
        parent__user__in=users, parent__establishment_id=item.establishment_id
    ).select_related("parent", "student__user")
    children: dict[int, list[str]] = {}
    for link in links.order_by("student__user__first_name"):
        children.setdefault(link.parent.user_id, []).append(link.student.user.get_full_name())
    page.object_list = [MissingParent(user, children.get(user.pk, [])) for user in users]
    last = item.reminders.first()
    return AcknowledgementStatus(
        asked=asked,
        confirmed=confirmed,
        missing=page,
        last_reminder=last,
        next_reminder_at=last.sent_at + REMIND_INTERVAL if last else None,
    )


def check_remind(user, item: NewsItem, link: str) -> Reminder:
    """Send the parents who have not confirmed a message from the author (no reply), at
    most once an hour. `link` is the item's full address, put in the message."""
    if not policy.can_follow_acknowledgements(user, item):
        raise PermissionDenied(_("Vous ne pouvez pas relancer les parents pour cette actualité."))
    if not item.requires_acknowledgement:
        raise ValidationError(_("Cette actualité ne demande pas de confirmation de lecture."))
    if not item.is_public_at(timezone.now()):
        raise ValidationError(
            _("Cette actualité n'est pas en ligne : les parents ne peuvent pas la lire.")
        )
    if not item.author.is_active:
        raise ValidationError(
            _(
                "L'auteur de cette actualité n'a plus de compte actif : la relance ne peut pas "
                "partir de son nom."
            )
        )
    return do_remind(user, item, link)


def do_remind(user, item: NewsItem, link: str) -> Reminder:
    with transaction.atomic():
        locked = NewsItem.objects.select_for_update().get(pk=item.pk)
        last = locked.reminders.first()
        now = timezone.now()
        if last is not None and last.sent_at > now - REMIND_INTERVAL:
            raise ValidationError(
                _(
                    "Une relance est déjà partie le %(sent)s : la prochaine est possible à "
                    "partir de %(next)s."
                )
                % {
                    "sent": _when(last.sent_at),
                    "next": date_format(timezone.localtime(last.sent_at + REMIND_INTERVAL), "H:i"),
                }
            )
        missing = list(_missing_parents(item))
        if not missing:
            raise ValidationError(_("Tous les parents ont confirmé : personne à relancer."))
        draft = messaging.Draft(
            subject=(_("À confirmer : %(title)s") % {"title": item.title})[
                : messaging.SUBJECT_MAX_LENGTH
            ],
            body=_(
                "Bonjour,\n\n"
                "L'actualité « %(title)s » vous demande de confirmer que vous l'avez lue. "
                "Ouvrez-la, puis cliquez sur « J'ai lu et pris connaissance » :\n\n"
                "%(link)s\n\n"
                "Ce message est envoyé automatiquement : inutile d'y répondre."
            )
            % {"title": item.title, "link": link},
            addresses=[Address(kind=Address.Kind.USER, user=parent) for parent in missing],
            is_no_reply=True,
        )
        messaging.check_send(item.author, item.establishment, draft)
        return Reminder.objects.create(item=locked, sent_by=user, recipient_count=len(missing))


# Flash banners ----------------------------------------------------------------------------------

FLASH_ROLES: dict[str, str] = {
    Role.STUDENT: "for_students",
    Role.PARENT: "for_parents",
    Role.TEACHER: "for_teachers",
    Role.STAFF: "for_staff",
}


@dataclass
class FlashDraft:
    text: str
    roles: list[str]
    starts_at: datetime | None
    ends_at: datetime | None


def check_post_flash(
    user,
    draft: FlashDraft,
    establishment: Establishment | None = None,
    collectivity: Collectivity | None = None,
) -> FlashMessage:
    """The direction posts a banner to its establishment, an operator to every establishment
    of its collectivité. Raises ValidationError keyed by form field."""
    allowed = (
        establishment is not None and policy.can_post_establishment_flash(user, establishment)
    ) or (collectivity is not None and policy.can_post_collectivity_flash(user, collectivity))
    if not allowed:
        raise PermissionDenied(_("Vous ne pouvez pas publier de message flash ici."))
    errors: dict[str, list[str]] = {}
    text = " ".join(draft.text.split())
    if not text:
        errors["text"] = [_("Écrivez le message à afficher.")]
    elif len(text) > FLASH_MAX_LENGTH:
        errors["text"] = [
            _("Le message est trop long (%(count)d caractères, %(max)d au plus).")
            % {"count": len(text), "max": FLASH_MAX_LENGTH}
        ]
    roles = [role for role in draft.roles if role in FLASH_ROLES]
    if not roles:
        errors["roles"] = [_("Choisissez au moins un profil à qui l'afficher.")]
    now = timezone.now()
    starts_at = now if draft.starts_at is None or draft.starts_at < now else draft.starts_at
    if draft.ends_at is None:
        errors["ends_at"] = [_("Indiquez jusqu'à quand afficher le message.")]
    elif draft.ends_at <= now:
        errors["ends_at"] = [_("La date de fin est passée : choisissez une date à venir.")]
    elif draft.ends_at <= starts_at:
        errors["ends_at"] = [_("La fin de l'affichage doit venir après son début.")]
    if errors or draft.ends_at is None:
        raise ValidationError(errors)
    scope: dict[str, Establishment | Collectivity | None] = (
        {"collectivity": collectivity} if collectivity else {"establishment": establishment}
    )
    return do_post_flash(user, scope, text, roles, starts_at, draft.ends_at)


def do_post_flash(
    user, scope: dict, text: str, roles: list[str], starts_at: datetime, ends_at: datetime
) -> FlashMessage:
    """Store a banner checked by `check_post_flash`."""
    _touch_home_pages(_people_of(scope))
    return FlashMessage.objects.create(
        text=text,
        starts_at=starts_at,
        ends_at=ends_at,
        author=user,
        **scope,
        **{FLASH_ROLES[role]: True for role in roles},
    )


def scope_flashes(establishment=None, collectivity=None) -> QuerySet:
    """The banners of this scope that are showing or will show."""
    scope = {"collectivity": collectivity} if collectivity else {"establishment": establishment}
    return FlashMessage.objects.filter(ends_at__gt=timezone.now(), **scope).order_by(
        "starts_at", "pk"
    )


def check_withdraw_flash(user, flash: FlashMessage) -> None:
    allowed = (
        flash.establishment is not None
        and policy.can_post_establishment_flash(user, flash.establishment)
    ) or (
        flash.collectivity is not None
        and policy.can_post_collectivity_flash(user, flash.collectivity)
    )
    if not allowed:
        raise PermissionDenied(_("Vous ne pouvez pas retirer ce message flash."))
    _touch_home_pages(
        _people_of({"establishment": flash.establishment, "collectivity": flash.collectivity})
    )
    flash.delete()


def _people_of(scope: dict) -> QuerySet:
    if scope.get("collectivity") is not None:
        return Profile.objects.filter(establishment__collectivity=scope["collectivity"])
    return Profile.objects.filter(establishment=scope["establishment"])


def _flashes_for(user, profile: Profile | None) -> QuerySet:
    if profile is None or profile.establishment is None or profile.role not in FLASH_ROLES:
        return FlashMessage.objects.none()
    now = timezone.now()
    dismissed = FlashDismissal.objects.filter(flash=OuterRef("pk"), user=user)
    return (
        FlashMessage.objects.select_related("collectivity")
        .filter(
            Q(establishment_id=profile.establishment_id)
            | Q(collectivity_id=profile.establishment.collectivity_id),
            ~Exists(dismissed),
            starts_at__lte=now,
            ends_at__gt=now,
            **{FLASH_ROLES[profile.role]: True},
        )
        .order_by("-starts_at", "-pk")
    )


def active_flashes(user, profile: Profile | None) -> list[FlashMessage]:
    """The banners to show on this profile's home page now (one query)."""
    return list(_flashes_for(user, profile))


def check_dismiss_flash(user, profile: Profile | None, code) -> FlashDismissal:
    """Hide a banner shown to this profile, for good; Http404 for any other."""
    flash = _flashes_for(user, profile).filter(code=code).first()
    if flash is None:
        if FlashDismissal.objects.filter(flash__code=code, user=user).exists():
            return FlashDismissal.objects.get(flash__code=code, user=user)
        raise Http404
    fragments.touch([user.pk])
    try:
        with transaction.atomic():
            dismissal, _created = FlashDismissal.objects.get_or_create(flash=flash, user=user)
    except IntegrityError:
        dismissal = FlashDismissal.objects.get(flash=flash, user=user)
    return dismissal
