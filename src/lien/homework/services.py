"""Cahier de textes: writing entries with their work to do, reading them by week, the pupils'
to-do lists and ticks, and the homework load per day of a class.

Writes follow `check_*` (raises, changes nothing) then `do_*` (in a transaction; calls its check
again). Permission refusals raise `Refused` with the reason to show; bad input raises
`ValidationError` with one French message per problem.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lien.admission.services import max_upload_bytes
from lien.core import fragments
from lien.core.models import Enrolment, Group, Profile, SchoolClass, Subject, TeachingAssignment
from lien.core.policy import Role, children_of
from lien.homework import policy
from lien.homework.models import (
    MAX_ESTIMATED_MINUTES,
    EntryAttachment,
    LogEntry,
    WorkDone,
    WorkItem,
)
from lien.messaging import attachments as files_checks
from lien.messaging.attachments import CheckedFile

Target = SchoolClass | Group
WORKLOAD_DAYS = 14
TODO_HOME_DAYS = 30


class Refused(PermissionDenied):
    """A write the user may not make, with the reason to show them."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- Targets: a class or a group -------------------------------------------------------------


def target_key(target: Target) -> str:
    """How a form names a class or group: "classe:<code>" or "groupe:<code>"."""
    kind = "classe" if isinstance(target, SchoolClass) else "groupe"
    return f"{kind}:{target.code}"


def target_filter(target: Target) -> Q:
    return Q(school_class=target) if isinstance(target, SchoolClass) else Q(group=target)


@dataclass
class Teaching:
    target: Target
    subjects: list[Subject] = field(default_factory=list)


def teachings_of(teacher: Profile, current_only: bool = True) -> list[Teaching]:
    """The classes and groups a teacher teaches, each with its subjects (one query)."""
    assignments = TeachingAssignment.objects.filter(teacher=teacher).select_related(
        "subject", "school_class__school_year", "group__school_year"
    )
    if current_only:
        assignments = assignments.filter(
            Q(school_class__school_year__is_current=True) | Q(group__school_year__is_current=True)
        )
    by_target: dict[Target, Teaching] = {}
    for assignment in assignments:
        target = assignment.school_class or assignment.group
        assert target is not None  # a database constraint guarantees one of them
        by_target.setdefault(target, Teaching(target)).subjects.append(assignment.subject)
    return sorted(
        by_target.values(),
        key=lambda t: (
            -t.target.school_year.starts_on.toordinal(),
            isinstance(t.target, Group),
            t.target.name,
        ),
    )


# --- Reading the log by week -----------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(value: str | None, default: date) -> date:
    """The Monday of the week holding the given ISO date (of `default` when it is not one)."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        day = default
    return week_start(day)


def default_day(target: Target, today: date) -> date:
    """Today, or the last day of a past school year."""
    year = target.school_year
    return min(max(today, year.starts_on), year.ends_on)


def entries_query() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related(
        "subject", "teacher__user", "school_class", "group", "school_year"
    ).prefetch_related(
        Prefetch("work_items", queryset=WorkItem.objects.order_by("due_date", "pk")),
        "attachments",
    )


def week_entries(
    user, targets: Sequence[Target], monday: date, today: date | None = None
) -> list[LogEntry]:
    """The entries of these classes and groups for the week starting on `monday`: the visible
    ones, and the user's own prepared in advance (a fixed number of queries)."""
    if not targets:
        return []
    today = today or timezone.localdate()
    scope = Q()
    for target in targets:
        scope |= target_filter(target)
    visible = Q(visible_from__lte=today) | Q(teacher__user=user)
    return list(
        entries_query()
        .filter(scope, visible, lesson_date__gte=monday, lesson_date__lt=monday + timedelta(7))
        .order_by("lesson_date", "subject__name", "pk")
    )


@dataclass
class DoneCount:
    done: int
    total: int


def done_counts(items: Iterable[WorkItem]) -> dict[int, DoneCount]:
    """How many pupils ticked each item, out of how many pupils its class or group holds (three
    queries whatever the number of items). Never who."""
    items = list(items)
    if not items:
        return {}
    done = dict(
        WorkItem.objects.filter(pk__in=[item.pk for item in items])
        .annotate(done_count=Count("done"))
        .values_list("pk", "done_count")
    )
    sizes: dict[tuple[str, int | None], int] = {
        ("class", pk): size
        for pk, size in SchoolClass.objects.filter(pk__in={item.school_class_id for item in items})
        .annotate(size=Count("enrolments"))
        .values_list("pk", "size")
    }
    sizes |= {
        ("group", pk): size
        for pk, size in Group.objects.filter(pk__in={item.group_id for item in items})
        .annotate(size=Count("members"))
        .values_list("pk", "size")
    }
    return {
        item.pk: DoneCount(
            done.get(item.pk, 0),
            sizes.get(
                ("class", item.school_class_id)
                if item.school_class_id
                else ("group", item.group_id),
                0,
            ),
        )
        for item in items
    }


# --- A pupil's classes and groups, and the work they see ---------------------------------------


@dataclass
class Scope:
    class_ids: set[int] = field(default_factory=set)
    group_ids: set[int] = field(default_factory=set)

    def holds(self, item: WorkItem | LogEntry) -> bool:
        return item.school_class_id in self.class_ids or item.group_id in self.group_ids


def scopes_of(students: Iterable[Profile]) -> dict[int, Scope]:
    """Each pupil's class and groups of the current school year (two queries)."""
    ids = [student.pk for student in students]
    scopes: dict[int, Scope] = {student_id: Scope() for student_id in ids}
    for student_id, class_id in Enrolment.objects.filter(
        student_id__in=ids, school_year__is_current=True
    ).values_list("student_id", "school_class_id"):
        scopes[student_id].class_ids.add(class_id)
    for student_id, group_id in Group.members.through.objects.filter(
        profile_id__in=ids, group__school_year__is_current=True
    ).values_list("profile_id", "group_id"):
        scopes[student_id].group_ids.add(group_id)
    return scopes


def targets_of(student: Profile) -> list[Target]:
    """The pupil's class and groups of the current school year, the class first."""
    scope = scopes_of([student])[student.pk]
    classes = SchoolClass.objects.filter(pk__in=scope.class_ids).select_related("school_year")
    groups = Group.objects.filter(pk__in=scope.group_ids).select_related("school_year")
    return [*classes, *groups.order_by("name")]


def visible_work(scopes: Iterable[Scope], today: date) -> QuerySet[WorkItem]:
    class_ids: set[int] = set()
    group_ids: set[int] = set()
    for scope in scopes:
        class_ids |= scope.class_ids
        group_ids |= scope.group_ids
    return WorkItem.objects.filter(
        Q(school_class_id__in=class_ids) | Q(group_id__in=group_ids), visible_from__lte=today
    )


@dataclass
class TodoItem:
    item: WorkItem
    is_done: bool


@dataclass
class TodoDay:
    day: date
    items: list[TodoItem]

    @property
    def minutes_left(self) -> int:
        return sum(todo.item.estimated_minutes for todo in self.items if not todo.is_done)


def todo_days(student: Profile, today: date | None = None) -> list[TodoDay]:
    """The work due from today on for the pupil, across subjects, by due date, with the pupil's
    own ticks (a fixed number of queries)."""
    today = today or timezone.localdate()
    scope = scopes_of([student])[student.pk]
    items = list(
        visible_work([scope], today)
        .filter(due_date__gte=today)
        .select_related("subject", "entry__teacher__user", "school_class", "group")
        .prefetch_related("attachments")
        .order_by("due_date", "subject__name", "pk")
    )
    done = set(
        WorkDone.objects.filter(student=student, work_item__in=items).values_list(
            "work_item_id", flat=True
        )
    )
    days: dict[date, TodoDay] = {}
    for item in items:
        day = days.setdefault(item.due_date, TodoDay(item.due_date, []))
        day.items.append(TodoItem(item, item.pk in done))
    return list(days.values())


def check_tick(user, student: Profile, item: WorkItem, today: date | None = None) -> None:
    if not policy.can_tick(user, student):
        raise Refused(_("Seul l'élève coche son propre travail."))
    today = today or timezone.localdate()
    scope = scopes_of([student])[student.pk]
    if not scope.holds(item) or not policy.is_visible(item, today):
        raise Refused(_("Ce travail n'est pas dans votre liste."))


def do_tick(user, student: Profile, item: WorkItem, is_done: bool) -> None:
    """Tick (or untick) a work item as done by the pupil. Ticking twice changes nothing."""
    check_tick(user, student, item)
    if is_done:
        WorkDone.objects.get_or_create(student=student, work_item=item)
    else:
        WorkDone.objects.filter(student=student, work_item=item).delete()
    _touch_families(Q(pk=student.pk))


def _touch_families(students: Q) -> None:
    """The home pages of these pupils and of their parents show their work to do: their cached
    pieces go (lien.core.fragments)."""
    pupils = Profile.objects.filter(students, role=Role.STUDENT)
    users = Profile.objects.filter(
        Q(pk__in=pupils.values("pk")) | Q(child_links__student__in=pupils.values("pk"))
    ).values_list("user_id", flat=True)
    fragments.touch(users)


def _touch_readers(targets: Iterable[Target]) -> None:
    classes = [t for t in targets if isinstance(t, SchoolClass)]
    groups = [t for t in targets if isinstance(t, Group)]
    _touch_families(Q(enrolments__school_class__in=classes) | Q(student_groups__in=groups))


@dataclass
class HomeTodo:
    student: Profile
    items: list[WorkItem]


def home_todo(profile: Profile, limit: int = 5) -> list[HomeTodo]:
    """For a home page: the next work due and not yet done, for a pupil (one block) or for
    each child of a parent (one block per child); empty for other roles. Five queries whatever
    the number of children."""
    if profile.role == Role.STUDENT:
        students = [profile]
    elif profile.role == Role.PARENT:
        students = list(children_of(profile.user))
    else:
        return []
    today = timezone.localdate()
    scopes = scopes_of(students)
    items = list(
        visible_work(scopes.values(), today)
        .filter(due_date__gte=today, due_date__lt=today + timedelta(TODO_HOME_DAYS))
        .select_related("subject")
        .order_by("due_date", "subject__name", "pk")
    )
    done = set(
        WorkDone.objects.filter(student__in=students, work_item__in=items).values_list(
            "student_id", "work_item_id"
        )
    )
    blocks = []
    for student in students:
        scope = scopes[student.pk]
        mine = [i for i in items if scope.holds(i) and (student.pk, i.pk) not in done]
        blocks.append(HomeTodo(student, mine[:limit]))
    return blocks


# --- Homework load per day ---------------------------------------------------------------------


@dataclass
class WorkloadLine:
    subject: str
    title: str
    minutes: int
    target_name: str
    is_proposed: bool = False


@dataclass
class WorkloadDay:
    day: date
    lines: list[WorkloadLine]
    limit: int

    @property
    def total(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def is_overloaded(self) -> bool:
        return self.total > self.limit


@dataclass
class WorkloadTable:
    target: Target
    days: list[WorkloadDay]

    @property
    def overloaded_days(self) -> list[WorkloadDay]:
        return [day for day in self.days if day.is_overloaded]


@dataclass
class ProposedWork:
    """Work being written (not saved yet), shown in the load table as « ce travail »."""

    subject: str
    title: str
    due_date: date
    minutes: int


def daily_minutes_warning() -> int:
    return settings.LIEN_HOMEWORK_DAILY_MINUTES_WARNING


def related_work(target: Target) -> QuerySet[WorkItem]:
    """The work its pupils have: for a class, its own and that of the groups holding some of its
    pupils; for a group, its own and that of its pupils' classes (same school year)."""
    if isinstance(target, SchoolClass):
        groups = Group.objects.filter(
            members__enrolments__school_class=target, school_year_id=target.school_year_id
        )
        return WorkItem.objects.filter(Q(school_class=target) | Q(group__in=groups))
    classes = SchoolClass.objects.filter(
        enrolments__student__student_groups=target, school_year_id=target.school_year_id
    )
    return WorkItem.objects.filter(Q(group=target) | Q(school_class__in=classes))


def workload(
    target: Target,
    start: date,
    days: int = WORKLOAD_DAYS,
    proposed: Sequence[ProposedWork] = (),
    exclude_entry: LogEntry | None = None,
) -> list[WorkloadDay]:
    """Minutes of work due per day for the pupils of a class or group, over `days` days from
    `start` (Sundays left out), prepared work included. Two queries."""
    end = start + timedelta(days)
    items = related_work(target).filter(due_date__gte=start, due_date__lt=end)
    if exclude_entry is not None:
        items = items.exclude(entry=exclude_entry)
    items = items.select_related("subject", "school_class", "group").order_by(
        "due_date", "subject__name", "pk"
    )
    limit = daily_minutes_warning()
    by_day = {
        start + timedelta(n): WorkloadDay(start + timedelta(n), [], limit)
        for n in range(days)
        if (start + timedelta(n)).weekday() != 6
    }
    for item in items.distinct():
        if item.due_date in by_day:
            by_day[item.due_date].lines.append(
                WorkloadLine(
                    item.subject.name, item.title, item.estimated_minutes, item.target.name
                )
            )
    for work in proposed:
        if work.due_date in by_day:
            by_day[work.due_date].lines.append(
                WorkloadLine(work.subject, work.title, work.minutes, target.name, True)
            )
    return list(by_day.values())


def overload_warnings(
    targets: Sequence[Target], proposed: Sequence[ProposedWork], exclude: LogEntry | None = None
) -> list[str]:
    """One warning per class or group and day that the proposed work takes over the limit."""
    dates = sorted({work.due_date for work in proposed})
    warnings = []
    for target in targets:
        for due in dates:
            days = workload(target, due, 1, proposed, exclude)  # empty on a Sunday
            for day in days:
                if not day.is_overloaded:
                    continue
                warnings.append(
                    _(
                        "Attention : %(target)s a %(total)d minutes de travail pour le "
                        "%(day)s (plus de %(limit)d minutes)."
                    )
                    % {
                        "target": target.name,
                        "total": day.total,
                        "day": formats.date_format(due, "l j F"),
                        "limit": day.limit,
                    }
                )
    return warnings


# --- Writing entries ---------------------------------------------------------------------------


@dataclass
class EntryDraft:
    subject: Subject
    lesson_date: date
    content: str
    visible_from: date
    title: str = ""
    links: str = ""
    files: list[CheckedFile] = field(default_factory=list)
    removed_attachments: list[EntryAttachment] = field(default_factory=list)


@dataclass
class WorkDraft:
    title: str
    due_date: date
    estimated_minutes: int
    instructions: str = ""
    files: list[CheckedFile] = field(default_factory=list)
    item: WorkItem | None = None  # the saved item being edited
    is_removed: bool = False


def _date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def check_can_edit(user, entry: LogEntry) -> None:
    if not entry.school_year.is_current:
        raise Refused(
            _(
                "L'année scolaire %(year)s est archivée : son cahier de textes se lit mais ne "
                "se modifie plus."
            )
            % {"year": entry.school_year.name}
        )
    if not policy.is_author(user, entry):
        raise Refused(
            _("Seul l'auteur de cette séance, %(name)s, peut la modifier.")
            % {"name": entry.teacher.user.get_full_name()}
        )


def check_entry(
    user,
    teacher: Profile,
    targets: Sequence[Target],
    draft: EntryDraft,
    works: Sequence[WorkDraft],
    entry: LogEntry | None = None,
    today: date | None = None,
) -> None:
    """Refuse (Refused) a teacher writing where they do not teach or in a past year; refuse
    (ValidationError, every problem at once) dates, estimates and files that do not fit."""
    today = today or timezone.localdate()
    if entry is not None:
        check_can_edit(user, entry)
    if teacher.role != Role.TEACHER or teacher.user_id != user.pk:
        raise Refused(_("Seuls les enseignants écrivent dans le cahier de textes."))
    if not targets:
        raise ValidationError(_("Choisissez au moins une classe ou un groupe."))
    for target in targets:
        if not target.school_year.is_current:
            raise Refused(
                _(
                    "L'année scolaire %(year)s est archivée : son cahier de textes se lit mais "
                    "ne se modifie plus."
                )
                % {"year": target.school_year.name}
            )
        if target.establishment_id != teacher.establishment_id or not policy.can_write_for(
            user, target, draft.subject.pk
        ):
            raise Refused(
                _("Vous n'enseignez pas %(subject)s à %(target)s.")
                % {"subject": draft.subject.name, "target": target.name}
            )
    errors: list[str] = []
    year = targets[0].school_year
    if not year.starts_on <= draft.lesson_date <= year.ends_on:
        errors.append(
            _("La date de la séance doit être dans l'année scolaire, du %(start)s au %(end)s.")
            % {"start": _date(year.starts_on), "end": _date(year.ends_on)}
        )
    for work in works:
        if not work.is_removed:
            errors.extend(_work_errors(work, draft, year.ends_on, today))
    errors.extend(_file_errors(teacher, draft, works, entry))
    if errors:
        raise ValidationError(errors)


def _work_errors(work: WorkDraft, draft: EntryDraft, year_end: date, today: date) -> list[str]:
    errors = []
    name = {"title": work.title}
    if work.due_date < draft.lesson_date:
        errors.append(
            _(
                "« %(title)s » : le travail ne peut pas être à faire pour le %(due)s, avant la "
                "séance du %(lesson)s."
            )
            % {**name, "due": _date(work.due_date), "lesson": _date(draft.lesson_date)}
        )
    elif work.due_date < today and (work.item is None or work.item.due_date != work.due_date):
        errors.append(
            _("« %(title)s » : le %(due)s est passé. Choisissez une date à venir.")
            % {**name, "due": _date(work.due_date)}
        )
    elif work.due_date > year_end:
        errors.append(
            _("« %(title)s » : la date doit être avant la fin de l'année scolaire (%(end)s).")
            % {**name, "end": _date(year_end)}
        )
    elif draft.visible_from > work.due_date:
        errors.append(
            _(
                "« %(title)s » : les élèves ne verraient ce travail qu'à partir du %(visible)s, "
                "après la date où il est à faire."
            )
            % {**name, "visible": _date(draft.visible_from)}
        )
    if not 0 <= work.estimated_minutes <= MAX_ESTIMATED_MINUTES:
        errors.append(
            _("« %(title)s » : le temps estimé doit être entre 0 et %(max)d minutes.")
            % {**name, "max": MAX_ESTIMATED_MINUTES}
        )
    return errors


def _file_errors(
    teacher: Profile, draft: EntryDraft, works: Sequence[WorkDraft], entry: LogEntry | None
) -> list[str]:
    """Limits over all the entry's files together; a crisis may lower the size of one file."""
    new = [*draft.files, *(f for work in works if not work.is_removed for f in work.files)]
    kept: list[EntryAttachment] = []
    if entry is not None:
        removed = {a.pk for a in draft.removed_attachments}
        removed_items = {work.item.pk for work in works if work.is_removed and work.item}
        kept = [
            a
            for a in entry.attachments.all()
            if a.pk not in removed and a.work_item_id not in removed_items
        ]
    errors = []
    assert teacher.establishment is not None  # a teacher's profile has its establishment
    largest = max_upload_bytes(teacher.establishment, files_checks.max_file_bytes())
    for checked in new:
        if checked.size > largest:
            errors.append(
                _("Le fichier « %(name)s » est trop lourd (%(size)s, %(max)s au plus).")
                % {
                    "name": checked.name,
                    "size": files_checks.format_size(checked.size),
                    "max": files_checks.format_size(largest),
                }
            )
    if len(new) + len(kept) > files_checks.max_files():
        errors.append(
            _("Une séance porte au plus %(max)d fichiers.") % {"max": files_checks.max_files()}
        )
    total = sum(f.size for f in new) + sum(a.size for a in kept)
    if total > files_checks.max_total_bytes():
        errors.append(
            _("Les fichiers de la séance pèsent %(size)s au total, %(max)s au plus.")
            % {
                "size": files_checks.format_size(total),
                "max": files_checks.format_size(files_checks.max_total_bytes()),
            }
        )
    return errors


@dataclass
class StoredFile:
    name: str
    original_name: str
    size: int
    content_type: str


def _storage():
    return EntryAttachment._meta.get_field("file").storage


def _store(checked: Sequence[CheckedFile], stored: list[str]) -> list[StoredFile]:
    """Write uploaded files under random names; `stored` collects the names, for a cleanup."""
    result = []
    field_file = EntryAttachment._meta.get_field("file")
    for upload in checked:
        random_name = f"{uuid.uuid4().hex}.{files_checks.EXTENSIONS[upload.content_type][0]}"
        upload.file.seek(0)
        name = _storage().save(
            field_file.generate_filename(None, random_name), File(upload.file), max_length=200
        )
        stored.append(name)
        result.append(StoredFile(name, upload.name, upload.size, upload.content_type))
    return result


def _attach(entry: LogEntry, work_item: WorkItem | None, files: Iterable[StoredFile]) -> None:
    EntryAttachment.objects.bulk_create(
        EntryAttachment(
            entry=entry,
            work_item=work_item,
            file=f.name,
            original_name=f.original_name,
            size=f.size,
            content_type=f.content_type,
        )
        for f in files
    )


def _forget_files(names: Iterable[str]) -> None:
    """After the commit, delete stored files no row points to any more."""
    names = set(names)
    if not names:
        return
    still_used = set(EntryAttachment.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names - still_used:
        transaction.on_commit(partial(_storage().delete, name))


def _new_item(entry: LogEntry, work: WorkDraft) -> WorkItem:
    return WorkItem.objects.create(
        entry=entry,
        school_class=entry.school_class,
        group=entry.group,
        subject=entry.subject,
        title=work.title,
        instructions=work.instructions,
        due_date=work.due_date,
        estimated_minutes=work.estimated_minutes,
        visible_from=entry.visible_from,
    )


def _create(
    teacher: Profile,
    target: Target,
    draft: EntryDraft,
    works: Sequence[WorkDraft],
    session_files: list[StoredFile],
    work_files: list[list[StoredFile]],
) -> LogEntry:
    entry = LogEntry.objects.create(
        establishment=target.establishment,
        school_year=target.school_year,
        teacher=teacher,
        school_class=target if isinstance(target, SchoolClass) else None,
        group=target if isinstance(target, Group) else None,
        subject=draft.subject,
        lesson_date=draft.lesson_date,
        title=draft.title,
        content=draft.content,
        links=draft.links,
        visible_from=draft.visible_from,
    )
    _attach(entry, None, session_files)
    for work, stored in zip(works, work_files, strict=True):
        _attach(entry, _new_item(entry, work), stored)
    return entry


def _with_cleanup(write):
    """Run a write that stores files; if it fails, the files it stored are deleted again."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return write(stored)
    except Exception:
        for name in stored:
            _storage().delete(name)
        raise


def do_create_entries(
    user,
    teacher: Profile,
    targets: Sequence[Target],
    draft: EntryDraft,
    works: Sequence[WorkDraft],
) -> list[LogEntry]:
    """One entry, with its work to do, for each class or group (the files are stored once)."""
    check_entry(user, teacher, targets, draft, works)

    def write(stored: list[str]) -> list[LogEntry]:
        session_files = _store(draft.files, stored)
        work_files = [_store(work.files, stored) for work in works]
        entries = [
            _create(teacher, target, draft, works, session_files, work_files) for target in targets
        ]
        _touch_readers(targets)
        return entries

    return _with_cleanup(write)


def do_update_entry(
    user, entry: LogEntry, draft: EntryDraft, works: Sequence[WorkDraft]
) -> LogEntry:
    """Change an entry: its text and dates, its work (edited, added or removed) and files.
    Ticks stay on the work items kept; a removed item takes its ticks and files with it."""
    check_entry(user, entry.teacher, [entry.target], draft, works, entry=entry)

    def write(stored: list[str]) -> LogEntry:
        locked = LogEntry.objects.select_for_update().get(pk=entry.pk)
        forgotten = {a.file.name for a in draft.removed_attachments}
        EntryAttachment.objects.filter(
            entry=locked, pk__in=[a.pk for a in draft.removed_attachments]
        ).delete()
        for name in ("lesson_date", "title", "content", "links", "visible_from"):
            setattr(locked, name, getattr(draft, name))
        locked.save()
        _attach(locked, None, _store(draft.files, stored))
        for work in works:
            if work.item is not None and work.is_removed:
                forgotten |= {a.file.name for a in work.item.attachments.all()}
                work.item.delete()
            elif work.item is not None:
                item = work.item
                item.title, item.instructions = work.title, work.instructions
                item.due_date, item.estimated_minutes = work.due_date, work.estimated_minutes
                item.save()
                _attach(locked, item, _store(work.files, stored))
            elif not work.is_removed:
                _attach(locked, _new_item(locked, work), _store(work.files, stored))
        locked.work_items.update(visible_from=locked.visible_from)
        _forget_files(forgotten)
        _touch_readers([locked.target])
        return locked

    return _with_cleanup(write)


def check_copy(user, entry: LogEntry, targets: Sequence[Target], lesson_date: date) -> None:
    if not policy.is_author(user, entry):
        raise Refused(_("Vous ne pouvez copier que vos propres séances."))
    check_entry(user, entry.teacher, targets, *_copy_drafts(entry, lesson_date))


def _copy_drafts(entry: LogEntry, lesson_date: date) -> tuple[EntryDraft, list[WorkDraft]]:
    """The entry's text and work, moved to another lesson date (due dates move with it)."""
    shift = lesson_date - entry.lesson_date
    draft = EntryDraft(
        subject=entry.subject,
        lesson_date=lesson_date,
        content=entry.content,
        visible_from=min(entry.visible_from + shift, lesson_date),
        title=entry.title,
        links=entry.links,
    )
    works = [
        WorkDraft(
            title=item.title,
            due_date=item.due_date + shift,
            estimated_minutes=item.estimated_minutes,
            instructions=item.instructions,
        )
        for item in entry.work_items.order_by("due_date", "pk")
    ]
    return draft, works


def do_copy_entry(
    user, entry: LogEntry, targets: Sequence[Target], lesson_date: date
) -> list[LogEntry]:
    """Copy an entry, its work and its files (the same stored files) to other classes or
    groups, for a lesson on `lesson_date`."""
    check_copy(user, entry, targets, lesson_date)
    draft, works = _copy_drafts(entry, lesson_date)
    source_items = list(entry.work_items.order_by("due_date", "pk"))
    position = {item.pk: n for n, item in enumerate(source_items)}
    session_files: list[StoredFile] = []
    work_files: list[list[StoredFile]] = [[] for _item in source_items]
    for attachment in entry.attachments.all():
        stored = StoredFile(
            attachment.file.name,
            attachment.original_name,
            attachment.size,
            attachment.content_type,
        )
        if attachment.work_item_id is None:
            session_files.append(stored)
        else:
            work_files[position[attachment.work_item_id]].append(stored)
    with transaction.atomic():
        copies = [
            _create(entry.teacher, target, draft, works, session_files, work_files)
            for target in targets
        ]
        _touch_readers(targets)
        return copies


def do_delete_entry(user, entry: LogEntry) -> None:
    """Delete an entry with its work, ticks and files (files another copy uses stay)."""
    check_can_edit(user, entry)
    with transaction.atomic():
        names = {a.file.name for a in entry.attachments.all()}
        target = entry.target
        entry.delete()
        _forget_files(names)
        _touch_readers([target])


def proposed_work(subject: Subject, works: Sequence[WorkDraft]) -> list[ProposedWork]:
    return [
        ProposedWork(subject.name, work.title, work.due_date, work.estimated_minutes)
        for work in works
        if not work.is_removed
    ]


# --- Files -------------------------------------------------------------------------------------


def access_attachment(user, code) -> EntryAttachment:
    """The file, if the user may see its entry; Http404 otherwise."""
    attachment = (
        EntryAttachment.objects.select_related(
            "entry__teacher", "entry__school_class", "entry__group", "entry__school_year"
        )
        .filter(code=code)
        .first()
    )
    if attachment is None or not policy.can_see_entry(user, attachment.entry):
        raise Http404
    return attachment
