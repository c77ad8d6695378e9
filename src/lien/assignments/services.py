"""Online assignments: every write (check_* authorizes and validates, do_* writes) and what the
pages show, each read in a fixed number of queries."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from lien.assignments import files, policy
from lien.assignments.models import (
    MARK_MAX,
    Assignment,
    Feedback,
    ReturnedFile,
    Submission,
    SubmissionFile,
    new_receipt_code,
)
from lien.core import fragments
from lien.core.models import Enrolment, Group, ParentLink, Profile, TeachingAssignment
from lien.core.policy import can_view_establishment, children_of

if TYPE_CHECKING:
    from lien.accounts.models import User

logger = logging.getLogger(__name__)

Role = Profile.Role
TITLE_MAX_LENGTH = 200
INSTRUCTIONS_MAX_LENGTH = 20_000
ANSWER_MAX_LENGTH = 50_000
FEEDBACK_MAX_LENGTH = 20_000


class Status(models.TextChoices):
    """Where a pupil stands on one assignment."""

    SUBMITTED = "submitted", gettext_lazy("Rendu")
    LATE = "late", gettext_lazy("Rendu en retard")
    MISSING = "missing", gettext_lazy("Non rendu")
    PENDING = "pending", gettext_lazy("À rendre")


def status_of(assignment: Assignment, submission: Submission | None, now: datetime) -> Status:
    if submission is not None:
        return Status.LATE if submission.is_late else Status.SUBMITTED
    return Status.PENDING if now <= assignment.deadline else Status.MISSING


def is_open(assignment: Assignment, now: datetime | None = None) -> bool:
    """Whether pupils may hand in now."""
    return assignment.late_submissions_allowed or (now or timezone.now()) <= assignment.deadline


def _format_deadline(assignment: Assignment) -> str:
    return date_format(
        timezone.localtime(assignment.deadline), pgettext("date format", "d/m/Y à H:i")
    )


def _concerned_user_ids(assignment: Assignment) -> set[int]:
    """The teacher, the pupils and their parents: whose pages show this assignment."""
    students = policy.students_of(assignment)
    ids = set(students.values_list("user_id", flat=True))
    ids |= set(
        ParentLink.objects.filter(student__in=students).values_list("parent__user_id", flat=True)
    )
    ids.add(assignment.teacher.user_id)
    return ids


# Setting an assignment -----------------------------------------------------------------------


@dataclass
class AssignmentData:
    """What the teacher typed (the teaching names the class or group, and the subject)."""

    teaching: TeachingAssignment
    title: str
    instructions: str
    deadline: datetime
    accepts_files: bool = True
    accepts_text: bool = False
    late_submissions_allowed: bool = False


def check_save_assignment(
    user: User, data: AssignmentData, assignment: Assignment | None = None
) -> Assignment:
    """Create (`assignment` None) or edit an assignment. Raises PermissionDenied, or
    ValidationError with messages keyed by the form's fields."""
    if assignment is not None and not policy.can_manage_assignment(user, assignment):
        raise PermissionDenied(_("Seul l'enseignant qui a donné ce devoir peut le modifier."))
    if not policy.can_set_assignment(user, data.teaching):
        raise PermissionDenied(_("Vous n'enseignez pas dans cette classe ou ce groupe."))
    errors: dict[str, list[str]] = defaultdict(list)
    title = data.title.strip()
    if not title:
        errors["title"].append(_("Donnez un titre au devoir."))
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"].append(
            _("Le titre est trop long (%(max)d caractères au plus).") % {"max": TITLE_MAX_LENGTH}
        )
    if len(data.instructions) > INSTRUCTIONS_MAX_LENGTH:
        errors["instructions"].append(
            _("Les consignes sont trop longues (%(max)d caractères au plus).")
            % {"max": INSTRUCTIONS_MAX_LENGTH}
        )
    deadline_changed = assignment is None or assignment.deadline != data.deadline
    if deadline_changed and data.deadline <= timezone.now():
        errors["deadline_date"].append(
            _("Cette date limite est déjà passée : choisissez une date et une heure à venir.")
        )
    if not (data.accepts_files or data.accepts_text):
        errors["accepts_files"].append(
            _(
                "Choisissez ce que les élèves rendent : des fichiers, une réponse écrite, ou "
                "les deux."
            )
        )
    if (
        assignment is not None
        and _target_changes(assignment, data.teaching)
        and assignment.submissions.exists()
    ):
        errors["teaching"].append(
            _(
                "Des élèves ont déjà rendu ce devoir : il ne peut plus changer de classe ou "
                "de groupe."
            )
        )
    if errors:
        raise ValidationError(dict(errors))
    return do_save_assignment(data, assignment)


def _target_changes(assignment: Assignment, teaching: TeachingAssignment) -> bool:
    return (assignment.school_class_id, assignment.group_id) != (
        teaching.school_class_id,
        teaching.group_id,
    )


def do_save_assignment(data: AssignmentData, assignment: Assignment | None = None) -> Assignment:
    """Store the assignment. A new deadline re-dates which hand-ins count as late."""
    teaching = data.teaching
    with transaction.atomic():
        if assignment is None:
            assignment = Assignment(teacher=teaching.teacher)
        assignment.establishment_id = teaching.subject.establishment_id
        assignment.school_class_id = teaching.school_class_id
        assignment.group_id = teaching.group_id
        assignment.subject_id = teaching.subject_id
        assignment.title = data.title.strip()
        assignment.instructions = data.instructions.strip()
        assignment.accepts_files = data.accepts_files
        assignment.accepts_text = data.accepts_text
        assignment.late_submissions_allowed = data.late_submissions_allowed
        deadline_changed = assignment.pk is not None and assignment.deadline != data.deadline
        assignment.deadline = data.deadline
        assignment.save()
        if deadline_changed:
            submissions = Submission.objects.filter(assignment=assignment)
            submissions.filter(submitted_at__gt=data.deadline).update(is_late=True)
            submissions.filter(submitted_at__lte=data.deadline).update(is_late=False)
        fragments.touch(_concerned_user_ids(assignment))
    return assignment


# Handing in ------------------------------------------------------------------------------------


@dataclass
class Answer:
    """What a pupil hands in: a written answer, new files, and the codes of the files of their
    previous version they keep."""

    text: str = ""
    uploads: list = field(default_factory=list)
    kept_file_codes: list[str] = field(default_factory=list)


def refusal_to_submit(user: User, assignment: Assignment) -> str:
    """Why this user may not hand in this assignment, in words they understand."""
    if (
        ParentLink.objects.filter(parent__user=user).exists()
        and not Profile.objects.filter(user=user, role=Role.STUDENT).exists()
    ):
        return _(
            "Seul l'élève dépose son devoir, depuis son propre compte. En tant que parent, vous "
            "pouvez consulter ses dépôts, ses reçus et les retours de l'enseignant."
        )
    if policy.can_track_assignment(user, assignment):
        return _("Seuls les élèves à qui ce devoir est donné peuvent le rendre.")
    return _("Ce devoir ne vous est pas donné : vous ne pouvez pas le rendre.")


def _deadline_passed_error(assignment: Assignment) -> ValidationError:
    return ValidationError(
        _(
            "La date limite (%(deadline)s) est passée et ce devoir n'accepte pas les dépôts en "
            "retard. Ce que vous aviez déjà rendu reste enregistré."
        )
        % {"deadline": _format_deadline(assignment)}
    )


def _stale_page_error() -> ValidationError:
    return ValidationError(
        _(
            "Votre dépôt précédent a changé depuis l'ouverture de cette page : vérifiez vos "
            "fichiers et recommencez."
        )
    )


def latest_submission(assignment: Assignment, student: Profile) -> Submission | None:
    return (
        Submission.objects.filter(assignment=assignment, student=student, is_latest=True)
        .prefetch_related("files")
        .first()
    )


def check_submit(user: User, assignment: Assignment, answer: Answer) -> Submission:
    """A pupil hands in (or again, replacing their previous version, which stays in the
    history). Raises PermissionDenied for anyone but a pupil the assignment is set for, and
    ValidationError for a late, empty or refused hand-in; nothing is stored then."""
    student = policy.own_student_profile(user, assignment)
    if student is None or not policy.can_submit(user, assignment, student):
        raise PermissionDenied(refusal_to_submit(user, assignment))
    if not is_open(assignment):
        raise _deadline_passed_error(assignment)
    text = answer.text.strip()
    uploads = [upload for upload in answer.uploads if upload is not None]
    kept_codes = {str(code) for code in answer.kept_file_codes if code}
    if text and not assignment.accepts_text:
        raise ValidationError(_("Ce devoir attend des fichiers, pas de réponse écrite."))
    if (uploads or kept_codes) and not assignment.accepts_files:
        raise ValidationError(_("Ce devoir attend une réponse écrite, pas de fichier."))
    if len(text) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            _("Votre réponse est trop longue (%(max)d caractères au plus).")
            % {"max": ANSWER_MAX_LENGTH}
        )
    previous = latest_submission(assignment, student)
    kept = [f for f in previous.files.all() if str(f.code) in kept_codes] if previous else []
    if len(kept) != len(kept_codes):
        raise _stale_page_error()
    if not text and not uploads and not kept:
        raise ValidationError(
            _("Votre dépôt est vide : joignez au moins un fichier ou écrivez votre réponse.")
        )
    checked = files.check_uploads(
        uploads,
        files.limits_for(assignment.establishment),
        carried_count=len(kept),
        carried_bytes=sum(f.size for f in kept),
    )
    return do_submit(student, assignment, text, checked, [f.code for f in kept])


def do_submit(
    student: Profile,
    assignment: Assignment,
    text: str,
    uploads: list[files.CheckedUpload],
    kept_file_codes: list,
) -> Submission:
    """Store the files, then the new version and its files' rows in one transaction.

    Only once that transaction has committed is the hand-in acknowledged (the caller shows the
    receipt). On any failure the files written are removed and the previous version stays the
    latest. Must run outside any transaction of the caller's: its commit is the
    acknowledgement.
    """
    stored = files.store(uploads)
    try:
        with transaction.atomic():
            submission = _record_submission(student, assignment, text, stored, kept_file_codes)
    except IntegrityError:
        files.remove([upload.path for upload in stored])
        # Another hand-in of the same pupil committed in between (a double click).
        raise ValidationError(
            _(
                "Un autre dépôt de votre part vient d'être enregistré au même moment. Vérifiez "
                "vos dépôts avant de recommencer."
            )
        ) from None
    except BaseException:
        files.remove([upload.path for upload in stored])
        raise
    return submission


def _record_submission(
    student: Profile,
    assignment: Assignment,
    text: str,
    stored: list[files.StoredUpload],
    kept_file_codes: list,
) -> Submission:
    now = timezone.now()
    assignment.refresh_from_db(fields=["deadline", "late_submissions_allowed"])
    is_late = now > assignment.deadline
    if is_late and not assignment.late_submissions_allowed:
        raise _deadline_passed_error(assignment)
    previous = (
        Submission.objects.select_for_update()
        .filter(assignment=assignment, student=student, is_latest=True)
        .first()
    )
    kept = list(previous.files.filter(code__in=kept_file_codes)) if previous else []
    if len(kept) != len(set(kept_file_codes)):
        raise _stale_page_error()
    if previous is not None:
        Submission.objects.filter(pk=previous.pk).update(is_latest=False)
    submission = Submission.objects.create(
        assignment=assignment,
        student=student,
        version=previous.version + 1 if previous else 1,
        text=text,
        submitted_at=now,
        is_late=is_late,
        receipt_code=_unused_receipt_code(),
    )
    rows = [
        SubmissionFile(
            submission=submission,
            file=upload.path,
            original_name=upload.checked.name,
            size=upload.checked.size,
            content_type=upload.checked.content_type,
            sha256=upload.checked.sha256,
        )
        for upload in stored
    ]
    rows += [
        SubmissionFile(
            submission=submission,
            file=old.file.name,
            original_name=old.original_name,
            size=old.size,
            content_type=old.content_type,
            sha256=old.sha256,
        )
        for old in kept
    ]
    SubmissionFile.objects.bulk_create(rows)
    parents = ParentLink.objects.filter(student=student).values_list("parent__user_id", flat=True)
    fragments.touch([student.user_id, assignment.teacher.user_id, *parents])
    return submission


def _unused_receipt_code() -> str:
    for _attempt in range(10):
        code = new_receipt_code()
        if not Submission.objects.filter(receipt_code=code).exists():
            return code
    raise RuntimeError("no free receipt code found")  # 31^8 codes: never in practice


# Feedback -------------------------------------------------------------------------------------


@dataclass
class FeedbackInput:
    text: str = ""
    mark: str = ""  # as typed: "14", "12,5"
    returned_file: object | None = None


@dataclass
class FeedbackOutcome:
    feedback: Feedback
    notified: bool = False
    notification_error: str = ""


def parse_mark(value: str) -> Decimal | None:
    """A mark out of 20 as typed in French ("12,5") or not ("12.5"); None when left empty."""
    value = (value or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        mark = Decimal(value)
    except InvalidOperation:
        mark = None
    if mark is None or not mark.is_finite():
        raise ValidationError(
            {"mark": _("La note doit être un nombre entre 0 et 20, par exemple 14 ou 12,5.")}
        )
    if mark < 0 or mark > MARK_MAX:
        raise ValidationError({"mark": _("La note doit être comprise entre 0 et 20.")})
    if mark != mark.quantize(Decimal("0.01")):
        raise ValidationError({"mark": _("La note a au plus deux décimales.")})
    return mark.quantize(Decimal("0.01"))


def format_mark(mark: Decimal | None) -> str:
    """ "12,5", "20": as a French teacher writes it (empty when there is none)."""
    if mark is None:
        return ""
    return f"{mark.normalize():f}".replace(".", ",")


def check_give_feedback(user: User, submission: Submission, data: FeedbackInput) -> FeedbackOutcome:
    """The teacher returns (or edits) their feedback on a pupil's latest version: written
    feedback, an optional mark out of 20, an optional corrected copy. The pupil and their
    parents are told by a message at the first return."""
    if not policy.can_give_feedback(user, submission):
        raise PermissionDenied(_("Seul l'enseignant qui a donné ce devoir peut le corriger."))
    if not Submission.objects.filter(pk=submission.pk, is_latest=True).exists():
        raise ValidationError(
            _(
                "L'élève a déposé une version plus récente de son travail : rédigez votre retour "
                "sur la dernière version."
            )
        )
    text = data.text.strip()
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("L'appréciation est trop longue (%(max)d caractères au plus).")
                % {"max": FEEDBACK_MAX_LENGTH}
            }
        )
    mark = parse_mark(data.mark)
    uploads = [data.returned_file] if data.returned_file is not None else []
    try:
        limits = files.limits_for(submission.assignment.establishment)
        checked = files.check_uploads(uploads, limits)
    except ValidationError as error:
        raise ValidationError({"returned_file": error.messages}) from None
    has_returned_file = ReturnedFile.objects.filter(feedback__submission=submission).exists()
    if not text and mark is None and not checked and not has_returned_file:
        raise ValidationError(
            _(
                "Votre retour est vide : écrivez une appréciation, donnez une note ou joignez "
                "une copie corrigée."
            )
        )
    return do_give_feedback(user, submission, text, mark, checked[0] if checked else None)


def do_give_feedback(
    user: User,
    submission: Submission,
    text: str,
    mark: Decimal | None,
    returned: files.CheckedUpload | None,
) -> FeedbackOutcome:
    """Store the feedback (and the corrected copy: written first, removed again if the rows
    are not committed; the copy it replaces is removed after the commit), then tell the pupil
    and their parents if this is the first return."""
    stored = files.store([returned]) if returned is not None else []
    try:
        with transaction.atomic():
            feedback, _created = Feedback.objects.select_for_update().get_or_create(
                submission=submission,
                defaults={"given_by": user, "given_at": timezone.now()},
            )
            feedback.text, feedback.mark, feedback.given_by = text, mark, user
            feedback.save()
            if stored:
                _replace_returned_file(feedback, stored[0])
            parents = ParentLink.objects.filter(student=submission.student_id).values_list(
                "parent__user_id", flat=True
            )
            fragments.touch([submission.student.user_id, user.pk, *parents])
    except BaseException:
        files.remove([upload.path for upload in stored])
        raise
    outcome = FeedbackOutcome(feedback)
    if feedback.notified_at is None:
        outcome.notified, outcome.notification_error = notify_feedback(feedback)
    return outcome


def _replace_returned_file(feedback: Feedback, upload: files.StoredUpload) -> None:
    old = ReturnedFile.objects.filter(feedback=feedback).first()
    if old is not None:
        old.delete()
        transaction.on_commit(partial(files.remove, [old.file.name]))
    ReturnedFile.objects.create(
        feedback=feedback,
        file=upload.path,
        original_name=upload.checked.name,
        size=upload.checked.size,
        content_type=upload.checked.content_type,
        sha256=upload.checked.sha256,
    )


def notify_feedback(feedback: Feedback) -> tuple[bool, str]:
    """A message without reply from the teacher to the pupil and their parents: "your work was
    returned", with the link. Messaging does the rest (the recipients' open pages, e-mails by
    their preferences). Returns (sent, why not)."""
    # Imported here: messaging is a sibling domain app, needed only for this notice.
    from lien.messaging import policy as messaging_policy
    from lien.messaging import services as messaging
    from lien.messaging.models import Address

    submission = feedback.submission
    assignment = submission.assignment
    sender = feedback.given_by
    if sender is None:
        return False, _("L'auteur du retour n'a plus de compte.")
    student_user = submission.student.user
    parents = [
        link.parent.user
        for link in ParentLink.objects.filter(student=submission.student_id).select_related(
            "parent__user"
        )
    ]
    recipients = [
        person
        for person in [student_user, *parents]
        if person.is_active and messaging_policy.can_write_to(sender, person)
    ]
    if not recipients:
        return False, _("Ni l'élève ni ses parents ne peuvent recevoir de message.")
    link = settings.SITE_URL.rstrip("/") + reverse("assignments:detail", args=[assignment.code])
    body = _(
        "Bonjour,\n\n%(teacher)s a rendu son retour sur le devoir « %(title)s » (%(subject)s) "
        "de %(student)s.\n\nPour le lire : %(link)s\n\nCe message est envoyé automatiquement : "
        "il n'attend pas de réponse."
    ) % {
        "teacher": sender.get_full_name(),
        "title": assignment.title,
        "subject": assignment.subject.name,
        "student": student_user.get_full_name(),
        "link": link,
    }
    draft = messaging.Draft(
        subject=(_("Devoir corrigé : %(title)s") % {"title": assignment.title})[
            : messaging.SUBJECT_MAX_LENGTH
        ],
        body=body,
        addresses=[Address(kind=Address.Kind.USER, user=person) for person in recipients],
        is_no_reply=True,
    )
    try:
        messaging.check_send(sender, assignment.establishment, draft)
    except (PermissionDenied, ValidationError) as error:
        reason = " ".join(getattr(error, "messages", [str(error)]))
        logger.warning("Feedback %s: the notification was not sent: %s", feedback.pk, reason)
        return False, reason
    feedback.notified_at = timezone.now()
    Feedback.objects.filter(pk=feedback.pk).update(notified_at=feedback.notified_at)
    return True, ""


# Access to one object (404 outside the user's reach, 403 for a wrong role inside it) --------


def access_assignment(user: User, code, *, track: bool = False, manage: bool = False):
    """The assignment, if the user may see it (`track`: its tracking table; `manage`: edit and
    correct it). Http404 when the user holds no profile in its establishment, PermissionDenied
    inside it."""
    assignment = (
        Assignment.objects.select_related(
            "teacher__user", "subject", "school_class", "group", "establishment"
        )
        .filter(code=code)
        .first()
        if user.is_authenticated
        else None
    )
    if assignment is None or not can_view_establishment(user, assignment.establishment):
        raise Http404
    if manage:
        allowed = policy.can_manage_assignment(user, assignment)
    elif track:
        allowed = policy.can_track_assignment(user, assignment)
    else:
        allowed = policy.can_view_assignment(user, assignment)
    if not allowed:
        raise PermissionDenied
    return assignment


def _submissions_with_context() -> QuerySet[Submission]:
    return Submission.objects.select_related(
        "student__user",
        "assignment__teacher__user",
        "assignment__subject",
        "assignment__establishment",
        "assignment__school_class",
        "assignment__group",
    )


def access_submission(user: User, code, *, manage: bool = False) -> Submission:
    """A hand-in its pupil, their parents and its teacher see (`manage`: its teacher only);
    Http404 for anyone else: pupils' work is never shown to be there."""
    submission = (
        _submissions_with_context().filter(code=code).first() if user.is_authenticated else None
    )
    if submission is None:
        raise Http404
    allowed = (
        policy.can_give_feedback(user, submission)
        if manage
        else policy.can_view_submission(user, submission)
    )
    if not allowed:
        raise Http404
    return submission


def access_submission_file(user: User, code) -> SubmissionFile:
    stored = (
        SubmissionFile.objects.select_related(
            "submission__student", "submission__assignment__teacher"
        )
        .filter(code=code)
        .first()
        if user.is_authenticated
        else None
    )
    if stored is None or not policy.can_view_submission(user, stored.submission):
        raise Http404
    return stored


def access_returned_file(user: User, code) -> ReturnedFile:
    stored = (
        ReturnedFile.objects.select_related(
            "feedback__submission__student", "feedback__submission__assignment__teacher"
        )
        .filter(code=code)
        .first()
        if user.is_authenticated
        else None
    )
    if stored is None or not policy.can_view_submission(user, stored.feedback.submission):
        raise Http404
    return stored


# What the pages show ----------------------------------------------------------------------


@dataclass
class PupilAssignment:
    """One assignment as a pupil (or their parent) sees it."""

    assignment: Assignment
    submission: Submission | None
    status: Status

    @property
    def is_open(self) -> bool:
        return is_open(self.assignment)


def _count(queryset: QuerySet, by: str):
    return Coalesce(
        Subquery(
            queryset.order_by().values(by).annotate(total=Count("pk")).values("total")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def assignments_set_for(students) -> QuerySet[Assignment]:
    """Assignments of the current year's classes and groups of these pupils."""
    classes = Enrolment.objects.filter(student__in=students, school_year__is_current=True).values(
        "school_class_id"
    )
    groups = Group.members.through.objects.filter(
        profile__in=students, group__school_year__is_current=True
    ).values("group_id")
    return Assignment.objects.filter(Q(school_class__in=classes) | Q(group__in=groups))


def _with_display(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return queryset.select_related("subject", "teacher__user", "school_class", "group")


def pupil_assignments(student: Profile, assignments: QuerySet[Assignment] | None = None):
    """The pupil's assignments with their latest hand-in: open ones first (nearest deadline
    first), then past ones (newest first). Two queries."""
    if assignments is None:
        assignments = assignments_set_for([student])
    rows = list(_with_display(assignments))
    latest = {
        s.assignment_id: s
        for s in Submission.objects.filter(
            student=student, is_latest=True, assignment__in=[a.pk for a in rows]
        ).select_related("feedback")
    }
    now = timezone.now()
    items = [
        PupilAssignment(a, latest.get(a.pk), status_of(a, latest.get(a.pk), now)) for a in rows
    ]
    upcoming = sorted((i for i in items if i.assignment.deadline >= now), key=_by_deadline)
    past = sorted((i for i in items if i.assignment.deadline < now), key=_by_deadline)
    return upcoming + past[::-1]


def _by_deadline(item: PupilAssignment):
    return (item.assignment.deadline, item.assignment.pk)


def assignments_with_counts(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Each assignment with how many pupils it is set for, how many handed in, how many
    hand-ins wait for feedback."""
    latest = Submission.objects.filter(assignment=OuterRef("pk"), is_latest=True)
    return _with_display(queryset).annotate(
        submitted_count=_count(latest, "assignment"),
        awaiting_feedback_count=_count(latest.filter(feedback__isnull=True), "assignment"),
        class_size=_count(
            Enrolment.objects.filter(school_class=OuterRef("school_class")), "school_class"
        ),
        group_size=_count(Group.members.through.objects.filter(group=OuterRef("group")), "group"),
    )


def teacher_assignments(teacher: Profile) -> QuerySet[Assignment]:
    return assignments_with_counts(Assignment.objects.filter(teacher=teacher)).order_by(
        "-deadline", "-pk"
    )


def establishment_assignments(establishment) -> QuerySet[Assignment]:
    return assignments_with_counts(Assignment.objects.filter(establishment=establishment)).order_by(
        "-deadline", "-pk"
    )


@dataclass
class TrackingRow:
    student: Profile
    submission: Submission | None
    status: Status
    in_roster: bool = True


@dataclass
class Tracking:
    rows: list[TrackingRow]
    counts: dict[str, int]


def tracking(assignment: Assignment) -> Tracking:
    """Each pupil with their latest hand-in (pupils who left the class but handed in stay
    listed). Two queries whatever the class size."""
    roster = list(policy.students_of(assignment).select_related("user").distinct())
    latest = {
        s.student_id: s
        for s in Submission.objects.filter(assignment=assignment, is_latest=True)
        .select_related("student__user", "feedback")
        .annotate(file_count=Count("files"))
    }
    now = timezone.now()
    rows = [
        TrackingRow(s, latest.get(s.pk), status_of(assignment, latest.get(s.pk), now))
        for s in roster
    ]
    roster_ids = {s.pk for s in roster}
    rows += [
        TrackingRow(s.student, s, status_of(assignment, s, now), in_roster=False)
        for student_id, s in latest.items()
        if student_id not in roster_ids
    ]
    rows.sort(key=lambda r: (r.student.user.last_name.lower(), r.student.user.first_name.lower()))
    counts: dict[str, int] = {status.value: 0 for status in Status}
    for row in rows:
        counts[row.status.value] += 1
    counts["corrected"] = sum(
        1 for row in rows if row.submission is not None and _has_feedback(row.submission)
    )
    return Tracking(rows, counts)


def _has_feedback(submission: Submission) -> bool:
    try:
        return submission.feedback is not None
    except Feedback.DoesNotExist:
        return False


def feedback_of(submission: Submission) -> Feedback | None:
    try:
        return submission.feedback
    except Feedback.DoesNotExist:
        return None


def history(assignment: Assignment, student: Profile) -> list[Submission]:
    """Every version the pupil handed in, the newest first, with files and feedback."""
    return list(
        Submission.objects.filter(assignment=assignment, student=student)
        .select_related("feedback__returned_file")
        .prefetch_related("files")
        .order_by("-version")
    )


# The home pages -----------------------------------------------------------------------------


@dataclass
class HomeAssignments:
    """What a home page shows of online assignments (`role` says which part is filled)."""

    role: str
    items: list[PupilAssignment] = field(default_factory=list)  # a pupil's next ones
    children: list[tuple[Profile, list[PupilAssignment]]] = field(default_factory=list)
    to_correct: list[Assignment] = field(default_factory=list)  # a teacher's


def home_assignments(profile: Profile, limit: int = 5) -> HomeAssignments | None:
    """For the home pages, in a fixed number of queries: a pupil's next open assignments, the
    same for each child of a parent, and a teacher's assignments with hand-ins awaiting
    feedback (most recent hand-in first). None for the other roles."""
    if profile.role not in (Role.STUDENT, Role.PARENT, Role.TEACHER):
        return None
    home = HomeAssignments(profile.role)
    if profile.role == Role.STUDENT:
        home.items = _upcoming_for([profile], limit)[profile.pk]
    elif profile.role == Role.PARENT:
        children = list(children_of(profile.user))
        upcoming = _upcoming_for(children, limit)
        home.children = [(child, upcoming[child.pk]) for child in children]
    elif profile.role == Role.TEACHER:
        latest = Submission.objects.filter(assignment=OuterRef("pk"), is_latest=True)
        home.to_correct = list(
            assignments_with_counts(
                Assignment.objects.filter(teacher=profile).filter(
                    Exists(latest.filter(feedback__isnull=True))
                )
            )
            .annotate(
                last_submitted_at=Subquery(
                    latest.order_by("-submitted_at").values("submitted_at")[:1]
                )
            )
            .order_by("-last_submitted_at", "-pk")[:limit]
        )
    return home


def _upcoming_for(students: list[Profile], limit: int) -> dict[int, list[PupilAssignment]]:
    """Each pupil's next open assignments (nearest deadline first): four queries."""
    result: dict[int, list[PupilAssignment]] = {student.pk: [] for student in students}
    if not students:
        return result
    class_of = dict(
        Enrolment.objects.filter(student__in=students, school_year__is_current=True).values_list(
            "student_id", "school_class_id"
        )
    )
    groups_of: dict[int, set[int]] = defaultdict(set)
    for student_id, group_id in Group.members.through.objects.filter(
        profile__in=students, group__school_year__is_current=True
    ).values_list("profile_id", "group_id"):
        groups_of[student_id].add(group_id)
    now = timezone.now()
    upcoming = list(
        _with_display(
            Assignment.objects.filter(
                Q(school_class__in=set(class_of.values()))
                | Q(group__in={g for groups in groups_of.values() for g in groups}),
                deadline__gte=now,
            )
        ).order_by("deadline", "pk")
    )
    latest = {
        (s.assignment_id, s.student_id): s
        for s in Submission.objects.filter(
            student__in=students, is_latest=True, assignment__in=[a.pk for a in upcoming]
        )
    }
    for student in students:
        mine = [
            a
            for a in upcoming
            if a.school_class_id == class_of.get(student.pk) or a.group_id in groups_of[student.pk]
        ][:limit]
        result[student.pk] = [
            PupilAssignment(
                a,
                latest.get((a.pk, student.pk)),
                status_of(a, latest.get((a.pk, student.pk)), now),
            )
            for a in mine
        ]
    return result
