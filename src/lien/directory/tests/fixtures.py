"""Helpers shared by the directory's tests: the example files of docs/examples, counts of rows,
import jobs at each step."""

from pathlib import Path

from django.contrib.auth import get_user_model

from lien.core.models import (
    Enrolment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
)
from lien.directory.importing import ImportFile, ImportKind, import_directory
from lien.directory.models import Contact, ImportJob
from lien.directory.services import do_confirm_import, do_start_import, preview_import_job

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"
FILE_NAMES = {
    ImportKind.STUDENTS: "eleves.csv",
    ImportKind.PARENTS: "responsables.csv",
    ImportKind.TEACHERS: "enseignants.csv",
}


def example_text(kind: ImportKind) -> str:
    return (EXAMPLES / FILE_NAMES[kind]).read_text(encoding="utf-8")


def csv_file(kind: ImportKind, text: str | None = None) -> ImportFile:
    return ImportFile(kind, FILE_NAMES[kind], example_text(kind) if text is None else text)


def import_examples(establishment, year_name: str = "2026-2027", kinds=None, **texts):
    """Import the example files (or the given texts, by kind value) into the establishment."""
    kinds = kinds or list(ImportKind)
    files = [csv_file(kind, texts.get(kind.value)) for kind in kinds]
    return import_directory(establishment, files, year_name)


def row_counts() -> dict[str, int]:
    """How many rows each table the import writes to holds."""
    models = [
        get_user_model(),
        Profile,
        Enrolment,
        Group,
        Group.members.through,
        ParentLink,
        SchoolClass,
        SchoolYear,
        Subject,
        TeachingAssignment,
        Contact,
    ]
    return {model.__name__: model.objects.count() for model in models}


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def start_job(school, files=None, year_name: str = "2026-2027") -> ImportJob:
    """A job uploaded by the school's ENT administrator, its preview not computed yet."""
    files = files or [csv_file(ImportKind.STUDENTS)]
    return do_start_import(school.ent_admin.user, school.establishment, year_name, files)


def previewed_job(school, files=None, year_name: str = "2026-2027") -> ImportJob:
    job = start_job(school, files, year_name)
    preview_import_job(job.pk)
    job.refresh_from_db()
    return job


def confirmed_job(school, files=None, year_name: str = "2026-2027") -> ImportJob:
    """A previewed job confirmed as a complete list, waiting for its run."""
    job = previewed_job(school, files, year_name)
    do_confirm_import(school.direction.user, job, complete_list=True)
    job.refresh_from_db()
    return job
