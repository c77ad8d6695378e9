"""run_import_job (the Celery task's body): runs a job once, survives a dead worker and a crash."""

import pytest

from lien.directory import services
from lien.directory.importing import ImportKind
from lien.directory.models import ImportJob
from lien.directory.services import do_start_import, run_import_job
from lien.directory.tasks import run_import_job as task
from lien.directory.tests.fixtures import csv_file, row_counts


@pytest.fixture
def job(cast):
    return do_start_import(
        cast.a.ent_admin.user,
        cast.a.establishment,
        "2026-2027",
        [csv_file(ImportKind.STUDENTS), csv_file(ImportKind.PARENTS)],
    )


def test_the_upload_is_kept_on_the_job_until_it_runs(job):
    assert job.status == "pending"
    assert job.total_rows == 23
    assert job.students_csv.startswith("identifiant;nom;prenom;date_naissance;classe")
    assert job.parents_file_name == "responsables.csv"


def test_the_task_is_enqueued_after_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = do_start_import(
            cast.a.ent_admin.user,
            cast.a.establishment,
            "2026-2027",
            [csv_file(ImportKind.STUDENTS)],
        )

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == "pending"


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
