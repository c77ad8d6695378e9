"""Imports run as background jobs (a preview, then the confirmed run), class rosters, and the
establishment's staff with their two-factor authentication.

`check_*` functions authorize (asking lien.core.policy) and call the `do_*` function that writes.
`access_*` functions fetch one object for a user: 404 outside the user's establishment, 403 for a
role that may not see it.
"""

import logging
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from lien.accounts import two_factor
from lien.core import policy
from lien.core.models import Enrolment, Establishment, ParentLink, Profile, SchoolClass
from lien.directory.importing import (
    ImportFile,
    ImportKind,
    ImportOutcome,
    ImportProblem,
    count_data_lines,
    import_directory,
)
from lien.directory.models import Contact, ImportJob

logger = logging.getLogger(__name__)

RECENT_JOBS = 10
FILE_FIELDS = {
    ImportKind.STUDENTS: ("students_file_name", "students_csv"),
    ImportKind.PARENTS: ("parents_file_name", "parents_csv"),
    ImportKind.TEACHERS: ("teachers_file_name", "teachers_csv"),
}
FILE_HEADINGS = {
    ImportKind.STUDENTS: gettext_lazy("Fichier des élèves"),
    ImportKind.PARENTS: gettext_lazy("Fichier des responsables"),
    ImportKind.TEACHERS: gettext_lazy("Fichier des enseignants"),
}

COMPLETE_LIST_REQUIRED = gettext_lazy(
    "Cochez la case pour confirmer que ce fichier contient la liste complète des élèves de "
    "l'année ; sinon, annulez cet import : les élèves absents du fichier seraient retirés de "
    "leur classe."
)


# Access helpers


def access_import_job(user, code: UUID) -> ImportJob:
    job = ImportJob.objects.select_related("establishment", "uploaded_by").filter(code=code).first()
    if job is None or not policy.can_view_establishment(user, job.establishment):
        raise Http404
    if not policy.can_manage_accounts(user, job.establishment):
        raise PermissionDenied
    return job


def access_class_for_roster(user, code: UUID) -> SchoolClass:
    school_class = (
        SchoolClass.objects.select_related("establishment", "school_year", "main_teacher__user")
        .filter(code=code)
        .first()
    )
    if school_class is None or not policy.can_view_establishment(user, school_class.establishment):
        raise Http404
    if not policy.can_view_class_roster(user, school_class):
        raise PermissionDenied
    return school_class


def access_staff_member(user, code: UUID) -> Profile:
    """A staff profile of an establishment whose accounts the user manages."""
    member = (
        Profile.objects.select_related("user", "establishment")
        .filter(code=code, role=Profile.Role.STAFF)
        .first()
    )
    if member is None or member.establishment is None:
        raise Http404
    if not policy.can_view_establishment(user, member.establishment):
        raise Http404
    if not policy.can_manage_accounts(user, member.establishment):
        raise PermissionDenied
    return member


# Imports


def check_start_import(
    user, establishment: Establishment, year_name: str, files: list[ImportFile]
) -> ImportJob:
    if not policy.can_manage_accounts(user, establishment):
        raise PermissionDenied
    return do_start_import(user, establishment, year_name, files)


def do_start_import(
    user, establishment: Establishment, year_name: str, files: list[ImportFile]
) -> ImportJob:
    """Save the files on a new job, and compute its preview in the background once saved."""
    # Imported here: the task module imports this one.
    from lien.directory.tasks import preview_import_job as task

    fields: dict[str, str] = {}
    for file in files:
        name_field, text_field = FILE_FIELDS[file.kind]
        fields[name_field], fields[text_field] = file.name, file.text
    with transaction.atomic():
        job = ImportJob.objects.create(
            establishment=establishment,
            uploaded_by=user,
            school_year_name=year_name,
            total_rows=sum(count_data_lines(file.text) for file in files),
            **fields,
        )
        transaction.on_commit(lambda: task.delay(job.pk))
    return job


def job_files(job: ImportJob) -> list[ImportFile]:
    files = []
    for kind, (name_field, text_field) in FILE_FIELDS.items():
        if getattr(job, text_field):
            files.append(ImportFile(kind, getattr(job, name_field), getattr(job, text_field)))
    return files


def crash_outcome(job: ImportJob) -> ImportOutcome:
    logger.exception("Import job %s crashed", job.code)
    message = _(
        "L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié. Réessayez ; "
        "si l'erreur se répète, contactez l'assistance."
    )
    return ImportOutcome(problems=[ImportProblem("", "", None, message)])


def preview_import_job(job_pk: int) -> None:
    """Check a job's files and compute what it would change, writing nothing; skip other jobs.

    A preview writes nothing, so running it again (after a dead worker) is harmless.
    """
    job = (
        ImportJob.objects.select_related("establishment")
        .filter(pk=job_pk, status=ImportJob.Status.CHECKING)
        .first()
    )
    if job is None:
        return
    try:
        outcome = import_directory(
            job.establishment,
            job_files(job),
            job.school_year_name,
            job.publish_progress,
            dry_run=True,
            allow_mass_removal=True,
        )
    except Exception:
        outcome = crash_outcome(job)
    do_finish_preview(job, outcome)


def do_finish_preview(job: ImportJob, outcome: ImportOutcome) -> None:
    """Record the preview, unless the job was cancelled meanwhile.

    Refused files end the job as a refused run does: the errors remain, the files are forgotten.
    """
    if outcome.ok:
        fields = {
            "status": ImportJob.Status.PREVIEWED,
            "report": outcome.report,
            "removals": outcome.removals.as_dict(),
            "total_rows": outcome.rows,
            "done_rows": 0,
        }
    else:
        fields = finished_fields(outcome)
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(**fields)
    job.forget_progress()


def run_import_job(job_pk: int) -> None:
    """Run a confirmed job, or again one whose worker died while running it; skip the others.

    Running an import twice changes nothing the second time, so a re-run is harmless.
    """
    claimed = ImportJob.objects.filter(
        pk=job_pk, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING)
    if not claimed:
        return
    job = ImportJob.objects.select_related("establishment").get(pk=job_pk)
    try:
        outcome = import_directory(
            job.establishment,
            job_files(job),
            job.school_year_name,
            job.publish_progress,
            # Without the confirmation, a file that now removes too many pupils is refused,
            # even if the preview did not (other imports may have run since).
            allow_mass_removal=job.complete_list_confirmed,
        )
    except Exception:
        outcome = crash_outcome(job)
    do_finish_job(job, outcome)


def finished_fields(outcome: ImportOutcome) -> dict:
    """A finished job's fields: the report or the errors; the files' content is forgotten."""
    return {
        "status": ImportJob.Status.DONE if outcome.ok else ImportJob.Status.FAILED,
        "report": outcome.report,
        "removals": outcome.removals.as_dict(),
        "errors": [problem.as_dict() for problem in outcome.problems],
        "total_rows": outcome.rows,
        "done_rows": outcome.rows if outcome.ok else 0,
        "finished_at": timezone.now(),
        **{text_field: "" for _name_field, text_field in FILE_FIELDS.values()},
    }


def do_finish_job(job: ImportJob, outcome: ImportOutcome) -> None:
    """Record the outcome of a run, and forget the files' content."""
    for name, value in finished_fields(outcome).items():
        setattr(job, name, value)
    job.save()


# Confirming or cancelling a previewed import


class ImportJobRefused(Exception):
    """The job cannot be confirmed or cancelled (any more); the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def closed_message(job: ImportJob) -> str:
    """Why a job that no longer waits for confirmation cannot be confirmed or cancelled."""
    Status = ImportJob.Status
    if job.status == Status.CHECKING:
        return _("L'aperçu de cet import n'est pas encore prêt : patientez quelques secondes.")
    if job.status == Status.CANCELLED:
        return _("Cet import a été annulé : importez de nouveau les fichiers pour recommencer.")
    if job.status == Status.FAILED and not job.confirmed_at:
        return _("Cet import a été refusé : corrigez les fichiers puis importez-les de nouveau.")
    return _("Cet import a déjà été confirmé : il n'est lancé qu'une seule fois.")


def check_confirm_import(user, job: ImportJob, complete_list: bool) -> None:
    if not policy.can_manage_accounts(user, job.establishment):
        raise PermissionDenied
    if job.status == ImportJob.Status.PREVIEWED and job.needs_complete_list and not complete_list:
        raise ImportJobRefused(str(COMPLETE_LIST_REQUIRED))
    do_confirm_import(user, job, complete_list)


def do_confirm_import(user, job: ImportJob, complete_list: bool) -> None:
    """Run a previewed job for real, once: its task is enqueued after commit.

    Raises ImportJobRefused, writing nothing, when the job no longer waits for confirmation
    (confirmed before, cancelled, refused). The conditional update makes two simultaneous
    confirmations start one run.
    """
    from lien.directory.tasks import run_import_job as task

    with transaction.atomic():
        confirmed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
            status=ImportJob.Status.PENDING,
            confirmed_by=user,
            confirmed_at=timezone.now(),
            complete_list_confirmed=complete_list,
        )
        job.refresh_from_db()
        if not confirmed:
            raise ImportJobRefused(closed_message(job))
        transaction.on_commit(lambda: task.delay(job.pk))


def check_cancel_import(user, job: ImportJob) -> None:
    if not policy.can_manage_accounts(user, job.establishment):
        raise PermissionDenied
    do_cancel_import(job)


def do_cancel_import(job: ImportJob) -> None:
    """Cancel a job not confirmed yet and forget its files; ImportJobRefused otherwise."""
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.CHECKING, ImportJob.Status.PREVIEWED]
    ).update(
        status=ImportJob.Status.CANCELLED,
        finished_at=timezone.now(),
        **{text_field: "" for _name_field, text_field in FILE_FIELDS.values()},
    )
    job.refresh_from_db()
    if not cancelled:
        if job.status == ImportJob.Status.CANCELLED:
            raise ImportJobRefused(_("Cet import est déjà annulé."))
        if job.confirmed_at:
            raise ImportJobRefused(
                _("Cet import a déjà été confirmé : il ne peut plus être annulé.")
            )
        raise ImportJobRefused(closed_message(job))


def preview_summary(job: ImportJob) -> str:
    """« Aperçu : 10 comptes créés, 2 mis à jour, 4 inscriptions supprimées (…). »"""
    roles = [Profile.Role.STUDENT, Profile.Role.PARENT, Profile.Role.TEACHER]
    people = [job.report[role.value] for role in roles if role.value in job.report]
    created = sum(counts["created"] for counts in people)
    updated = sum(counts["updated"] for counts in people)
    removed = job.removals.get("count", 0)
    parts = [
        ngettext("%(count)d compte créé", "%(count)d comptes créés", created) % {"count": created},
        ngettext("%(count)d mis à jour", "%(count)d mis à jour", updated) % {"count": updated},
        ngettext(
            "%(count)d inscription supprimée (élève absent du fichier)",
            "%(count)d inscriptions supprimées (élèves absents du fichier)",
            removed,
        )
        % {"count": removed},
    ]
    return _("Aperçu : %(parts)s.") % {"parts": ", ".join(parts)}


def recent_jobs(establishment: Establishment) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(establishment=establishment)
        .select_related("uploaded_by")
        .defer("students_csv", "parents_csv", "teachers_csv")[:RECENT_JOBS]
    )


@dataclass
class ErrorGroup:
    heading: str
    messages: list[str] = field(default_factory=list)


def grouped_errors(job: ImportJob) -> list[ErrorGroup]:
    """The job's error messages under one heading per file (general ones first, no heading)."""
    groups: dict[str, ErrorGroup] = {}
    for error in job.errors:
        kind = error.get("kind", "")
        if kind not in groups:
            heading = ""
            if kind:
                heading = _("%(file)s (%(name)s)") % {
                    "file": FILE_HEADINGS[ImportKind(kind)],
                    "name": error.get("file", ""),
                }
            groups[kind] = ErrorGroup(heading)
        groups[kind].messages.append(error["text"])
    order = ["", *ImportKind.values]
    return [groups[kind] for kind in order if kind in groups]


# Class roster


@dataclass
class RosterPerson:
    profile: Profile
    phone: str = ""
    is_legal_guardian: bool = False

    @property
    def user(self):
        return self.profile.user


@dataclass
class RosterRow:
    student: RosterPerson
    parents: list[RosterPerson]


def class_roster(school_class: SchoolClass) -> list[RosterRow]:
    """The class's pupils (by name) with their parents (legal guardians first), in 2 queries."""
    links = ParentLink.objects.select_related("parent__user", "parent__contact").order_by(
        "-is_legal_guardian", "parent__user__last_name", "parent__user__first_name"
    )
    enrolments = (
        Enrolment.objects.filter(school_class=school_class)
        .select_related("student__user")
        .prefetch_related(Prefetch("student__parent_links", queryset=links))
        .order_by("student__user__last_name", "student__user__first_name")
    )
    return [
        RosterRow(
            RosterPerson(enrolment.student),
            [
                RosterPerson(link.parent, phone_of(link.parent), link.is_legal_guardian)
                for link in enrolment.student.parent_links.all()
            ],
        )
        for enrolment in enrolments
    ]


def phone_of(profile: Profile) -> str:
    # The reverse one-to-one raises an AttributeError subclass when there is no contact.
    contact: Contact | None = getattr(profile, "contact", None)
    return contact.phone if contact else ""


# Staff and their two-factor authentication


def staff_members(establishment: Establishment) -> list[Profile]:
    """The establishment's staff profiles by name, each with `two_factor_enabled`, in 1 query."""
    enabled = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return list(
        Profile.objects.filter(establishment=establishment, role=Profile.Role.STAFF)
        .select_related("user")
        .annotate(two_factor_enabled=Exists(enabled))
        .order_by("user__last_name", "user__first_name", "pk")
    )


def check_reset_two_factor(user, member: Profile) -> bool:
    """Turn off a staff member's two-factor authentication; False if it was not enabled."""
    if not policy.can_reset_two_factor(user, member.user):
        raise PermissionDenied
    return two_factor.do_reset(member.user, reset_by=user.get_full_name() or user.get_username())
