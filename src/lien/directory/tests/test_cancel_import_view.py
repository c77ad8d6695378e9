"""Cancelling an import before it is confirmed: nothing is written and the files are forgotten."""

import pytest
from django.urls import reverse

from lien.directory.models import ImportJob
from lien.directory.services import preview_import_job, run_import_job
from lien.directory.tests.fixtures import confirmed_job, previewed_job, row_counts, start_job


def url(job) -> str:
    return reverse("directory:import-cancel", args=[job.code])


def state(job) -> tuple:
    job.refresh_from_db()
    return job.status, bool(job.students_csv)


def test_cancelling_a_preview_forgets_the_files_and_writes_nothing(cast, login):
    job = previewed_job(cast.a)
    before = row_counts()

    response = login(cast.a.direction).post(url(job), follow=True)

    assert response.redirect_chain == [(job.get_absolute_url(), 302)]
    body = response.content.decode()
    assert '<p class="message message-success">Import annulé : rien n&#x27;a été modifié.</p>' in (
        body
    )
    assert "Confirmer l'import" not in body
    assert row_counts() == before
    job.refresh_from_db()
    assert (job.status, job.students_csv) == ("cancelled", "")
    assert job.finished_at is not None


def test_a_cancelled_import_never_runs(cast, login):
    job = previewed_job(cast.a)
    login(cast.a.ent_admin).post(url(job))
    before = row_counts()

    run_import_job(job.pk)

    assert row_counts() == before
    assert state(job) == ("cancelled", False)


def test_an_import_can_be_cancelled_while_its_files_are_checked(cast, login):
    job = start_job(cast.a)

    login(cast.a.ent_admin).post(url(job))
    preview_import_job(job.pk)

    job.refresh_from_db()
    assert (job.status, job.report, job.students_csv) == ("cancelled", {}, "")


def test_a_confirmed_import_cannot_be_cancelled(cast, login):
    job = confirmed_job(cast.a)

    response = login(cast.a.ent_admin).post(url(job), follow=True)

    assert (
        "Cet import a déjà été confirmé : il ne peut plus être annulé." in response.content.decode()
    )
    assert state(job) == ("pending", True)


def test_cancelling_twice_says_it_is_already_cancelled(cast, login):
    job = previewed_job(cast.a)
    client = login(cast.a.ent_admin)
    client.post(url(job))

    response = client.post(url(job), follow=True)

    assert '<p class="message message-error">Cet import est déjà annulé.</p>' in (
        response.content.decode()
    )
    assert state(job) == ("cancelled", False)


def test_a_refused_import_cannot_be_cancelled(cast, login):
    job = previewed_job(cast.a)
    ImportJob.objects.filter(pk=job.pk).update(status="failed")

    response = login(cast.a.ent_admin).post(url(job), follow=True)

    assert "Cet import a été refusé" in response.content.decode()
    assert state(job) == ("failed", True)


@pytest.mark.parametrize(
    "who", ["school_life", "librarian", "teacher", "parent", "student", "tutor"]
)
def test_other_roles_of_the_establishment_are_refused(cast, login, who):
    job = previewed_job(cast.a)

    assert login(getattr(cast.a, who)).post(url(job)).status_code == 403
    assert state(job) == ("previewed", True)


@pytest.mark.parametrize("school", ["b", "c"])
def test_another_establishments_administrators_get_not_found(cast, login, school):
    job = previewed_job(cast.a)

    assert login(getattr(cast, school).ent_admin).post(url(job)).status_code == 404
    assert login(getattr(cast, school).direction).post(url(job)).status_code == 404
    assert state(job) == ("previewed", True)


def test_it_rejects_get(cast, login):
    job = previewed_job(cast.a)

    assert login(cast.a.ent_admin).get(url(job)).status_code == 405
    assert state(job) == ("previewed", True)
