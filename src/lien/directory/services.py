"""Imports run as background jobs, and class rosters.

`check_*` functions authorize (asking lien.core.policy) and call the `do_*` function that writes.
`access_*` functions fetch one object for a user: 404 outside the user's establishment, 403 for a
role that may not see it.
"""

import logging
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    """Save the files on a new job, and run it in the background once saved."""
    # Imported here: the task module imports this one.
    from lien.directory.tasks import run_import_job as task

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


def run_import_job(job_pk: int) -> None:
    """Run a pending job, or again one whose worker died while running it; skip finished ones.

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
            job.establishment, job_files(job), job.school_year_name, job.publish_progress
        )
    except Exception:
        logger.exception("Import job %s crashed", job.code)
        message = _(
            "L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié. Réessayez ; "
            "si l'erreur se répète, contactez l'assistance."
        )
        outcome = ImportOutcome(problems=[ImportProblem("", "", None, message)])
    do_finish_job(job, outcome)


def do_finish_job(job: ImportJob, outcome: ImportOutcome) -> None:
    """Record the outcome, and forget the files' content: the report or the errors remain."""
    job.status = ImportJob.Status.DONE if outcome.ok else ImportJob.Status.FAILED
    job.report = outcome.report
    job.errors = [problem.as_dict() for problem in outcome.problems]
    job.total_rows = outcome.rows
    job.done_rows = outcome.rows if outcome.ok else 0
    job.finished_at = timezone.now()
    for _name_field, text_field in FILE_FIELDS.values():
        setattr(job, text_field, "")
    job.save()


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
