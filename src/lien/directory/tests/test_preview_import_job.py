"""preview_import_job (the Celery task's body): the files are checked and the import's effect
computed without writing anything; the confirmed run then does exactly what the preview said."""

import pytest
from django.core.cache import cache

from lien.core.models import Enrolment, Profile
from lien.directory import services
from lien.directory.importing import ImportKind, import_directory
from lien.directory.models import ImportJob
from lien.directory.services import (
    do_cancel_import,
    do_confirm_import,
    preview_import_job,
    run_import_job,
)
from lien.directory.tasks import preview_import_job as task
from lien.directory.tests.fixtures import (
    csv_file,
    example_text,
    replace_line,
    row_counts,
    start_job,
)

ALL_FILES = [ImportKind.STUDENTS, ImportKind.PARENTS, ImportKind.TEACHERS]


@pytest.fixture
def job(cast):
    return start_job(cast.a, [csv_file(kind) for kind in ALL_FILES])


def test_an_upload_waits_for_its_preview_which_is_enqueued_after_commit(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start_job(cast.a)

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.total_rows) == ("checking", 10)
    assert job.students_csv.startswith("identifiant;nom;prenom;date_naissance;classe")


def test_the_preview_writes_nothing_and_keeps_the_files(cast, job):
    before = row_counts()

    task.delay(job.pk)

    assert row_counts() == before
    assert not Profile.objects.filter(external_id="ELV2001").exists()
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.done_rows) == ("previewed", 29, 0)
    assert job.errors == []
    assert job.finished_at is None
    assert job.students_csv.startswith("identifiant;nom;prenom;date_naissance;classe")
    assert job.teachers_file_name == "enseignants.csv"
    assert job.report["student"]["created"] == 10
    assert job.report["student"]["removed"] == 4
    assert (job.removals["count"], job.removals["enrolled"]) == (4, 4)
    assert job.removals["is_mass_removal"] is True
    assert sorted(s["last_name"] for s in job.removals["students"]) == sorted(
        p.user.last_name
        for p in (cast.a.student, cast.a.classmate, cast.a.sibling, cast.a.other_class_student)
    )


def test_the_confirmed_run_does_exactly_what_the_preview_said(cast, job):
    preview_import_job(job.pk)
    job.refresh_from_db()
    preview_report, preview_removals = job.report, job.removals

    do_confirm_import(cast.a.direction.user, job, complete_list=True)
    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "done"
    assert job.report == preview_report
    assert job.removals == preview_removals
    assert not Enrolment.objects.filter(student=cast.a.student).exists()
    assert Enrolment.objects.filter(school_year=cast.a.year).count() == 10


def test_a_preview_of_changes_to_known_people_matches_the_run(cast):
    files = [csv_file(kind) for kind in ALL_FILES]
    import_directory(cast.a.establishment, files, "2026-2027", allow_mass_removal=True)
    students = replace_line(
        example_text(ImportKind.STUDENTS),
        "ELV2003;Lemaire;Théo;14/03/2011;2nde A",
        "ELV2003;Lemaire;Théodore;14/03/2011;2nde B",
    )
    students = replace_line(students, "ELV2010;Perrin;Nathan;11/02/2011;2nde B;LV2 Allemand;\n", "")
    parents = replace_line(example_text(ImportKind.PARENTS), "06 12 34 56 78", "07 00 00 00 00")
    job = start_job(
        cast.a, [csv_file(ImportKind.STUDENTS, students), csv_file(ImportKind.PARENTS, parents)]
    )
    preview_import_job(job.pk)
    job.refresh_from_db()
    preview = job.report
    assert (preview["student"]["updated"], preview["student"]["moved"]) == (1, 1)
    assert (preview["student"]["removed"], preview["parent"]["updated"]) == (1, 1)

    do_confirm_import(cast.a.direction.user, job, complete_list=False)
    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "done"
    assert job.report == preview


def test_files_with_errors_end_the_job_at_the_preview_and_are_forgotten(cast):
    students = replace_line(example_text(ImportKind.STUDENTS), "Zoé;14/03/2011", "Zoé;1/1/1")
    job = start_job(cast.a, [csv_file(ImportKind.STUDENTS, students)])
    before = row_counts()

    preview_import_job(job.pk)

    assert row_counts() == before
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.students_csv) == ("failed", 0, "")
    assert [error["text"] for error in job.errors] == [
        "Ligne 2 : la date de naissance « 1/1/1 » n'est pas une date valide."
    ]
    assert job.finished_at is not None


def test_a_crash_fails_the_job_with_a_message_and_writes_nothing(job, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "import_directory", crash)
    before = row_counts()

    preview_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert [error["text"] for error in job.errors] == [
        "L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié. Réessayez ; si "
        "l'erreur se répète, contactez l'assistance."
    ]
    assert row_counts() == before


def test_a_job_cancelled_while_its_preview_is_computed_stays_cancelled(job, monkeypatch):
    def cancel_meanwhile(*args, **kwargs):
        do_cancel_import(job)
        return import_directory(*args, **kwargs)

    monkeypatch.setattr(services, "import_directory", cancel_meanwhile)

    preview_import_job(job.pk)

    job.refresh_from_db()
    assert (job.status, job.report, job.students_csv) == ("cancelled", {}, "")


@pytest.mark.parametrize("status", ["previewed", "pending", "done", "cancelled"])
def test_only_a_job_being_checked_is_previewed(job, status):
    ImportJob.objects.filter(pk=job.pk).update(status=status, report={"kept": True})

    preview_import_job(job.pk)

    job.refresh_from_db()
    assert (job.status, job.report) == (status, {"kept": True})


def test_the_preview_publishes_its_progress_then_forgets_it(job, monkeypatch):
    seen = []
    original = ImportJob.publish_progress

    def publish(self, done):
        seen.append(done)
        original(self, done)

    monkeypatch.setattr(ImportJob, "publish_progress", publish)

    preview_import_job(job.pk)

    assert seen == [10, 23, 29]
    assert cache.get(job.progress_cache_key) is None
