"""run_import_job (the Celery task's body): runs a confirmed job once, survives a dead worker
and a crash, and refuses a mass removal nobody confirmed."""

from datetime import date

import pytest

from lien.core.models import Enrolment, SchoolClass, SchoolYear
from lien.directory import services
from lien.directory.importing import ImportKind
from lien.directory.models import ImportJob
from lien.directory.services import do_confirm_import, run_import_job
from lien.directory.tasks import run_import_job as task
from lien.directory.tests.fixtures import (
    confirmed_job,
    csv_file,
    previewed_job,
    row_counts,
    start_job,
)


@pytest.fixture
def job(cast):
    return confirmed_job(cast.a, [csv_file(ImportKind.STUDENTS), csv_file(ImportKind.PARENTS)])


def test_the_upload_is_kept_on_the_job_until_it_runs(job):
    assert job.status == "pending"
    assert job.total_rows == 23
    assert job.students_csv.startswith("identifiant;nom;prenom;date_naissance;classe")
    assert job.parents_file_name == "responsables.csv"


def test_the_run_is_enqueued_after_the_confirmation_commits(
    cast, django_capture_on_commit_callbacks
):
    job = previewed_job(cast.a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        do_confirm_import(cast.a.direction.user, job, complete_list=True)

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == "pending"
    assert (job.confirmed_by, job.complete_list_confirmed) == (cast.a.direction.user, True)
    assert job.confirmed_at is not None


@pytest.mark.parametrize("status", ["checking", "previewed", "cancelled"])
def test_a_job_not_confirmed_is_not_run(cast, status):
    job = start_job(cast.a)
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    before = row_counts()

    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == status
    assert row_counts() == before


def test_the_task_runs_the_job_and_forgets_the_files(job):
    task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == "done"
    assert (job.total_rows, job.done_rows) == (23, 23)
    assert job.report["parent"]["links_created"] == 13
    assert job.errors == []
    assert (job.students_csv, job.parents_csv) == ("", "")
    assert job.finished_at is not None


def test_a_finished_job_is_not_run_again(job):
    run_import_job(job.pk)
    job.refresh_from_db()
    finished_at, counts = job.finished_at, row_counts()

    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert row_counts() == counts


def test_a_job_left_running_by_a_dead_worker_runs_again(job):
    ImportJob.objects.filter(pk=job.pk).update(status="running")

    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "done"
    assert job.report["student"]["created"] == 10


def test_a_crash_fails_the_job_with_a_message_and_writes_nothing(job, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "import_directory", crash)
    before = row_counts()

    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert [error["text"] for error in job.errors] == [
        "L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié. Réessayez ; si "
        "l'erreur se répète, contactez l'assistance."
    ]
    assert row_counts() == before


def test_progress_is_published_while_the_import_runs(job, monkeypatch):
    seen = []
    monkeypatch.setattr(ImportJob, "publish_progress", lambda self, done: seen.append(done))

    run_import_job(job.pk)

    assert seen == [10, 23]


def test_a_mass_removal_that_appeared_after_the_preview_is_refused_without_the_checkbox(cast):
    """The preview removed nobody, so nobody ticked the box; since then the year's pupils
    changed (another import, say): the run refuses to empty the classes and writes nothing."""
    job = previewed_job(cast.a, year_name="2027-2028")
    assert job.removals["count"] == 0
    do_confirm_import(cast.a.direction.user, job, complete_list=False)
    year = SchoolYear.objects.create(
        establishment=cast.a.establishment,
        name="2027-2028",
        starts_on=date(2027, 9, 1),
        ends_on=date(2028, 7, 4),
    )
    school_class = SchoolClass.objects.create(
        establishment=cast.a.establishment, school_year=year, name="1re A"
    )
    Enrolment.objects.create(student=cast.a.student, school_class=school_class, school_year=year)
    before = row_counts()

    run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert row_counts() == before
    assert [error["text"] for error in job.errors] == [
        "Ce fichier supprimerait 1 inscription sur 1 de l'année 2027-2028 (plus de 10 %) : "
        "l'élève absent du fichier serait retiré de sa classe. S'il contient bien la liste "
        "complète des élèves de l'année, confirmez-le pour importer."
    ]
    assert job.students_csv == ""
