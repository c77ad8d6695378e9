"""Confirming a previewed import: once, with the checkbox when it removes many pupils; who may."""

import pytest
from django.urls import reverse

from lien.core.models import Enrolment
from lien.directory.models import ImportJob
from lien.directory.services import do_cancel_import
from lien.directory.tests.fixtures import previewed_job, row_counts, start_job

CHECKBOX_ERROR = (
    "Cochez la case pour confirmer que ce fichier contient la liste complète des élèves de "
    "l&#x27;année ; sinon, annulez cet import : les élèves absents du fichier seraient retirés "
    "de leur classe."
)
ALREADY_CONFIRMED = "Cet import a déjà été confirmé : il n&#x27;est lancé qu&#x27;une seule fois."


def url(job) -> str:
    return reverse("directory:import-confirm", args=[job.code])


def state(job) -> tuple:
    job.refresh_from_db()
    return job.status, job.confirmed_by_id, bool(job.students_csv)


@pytest.fixture
def mass_removal_job(cast):
    """School A's 4 pupils are not in the example file: the preview removes them all."""
    job = previewed_job(cast.a)
    assert job.needs_complete_list
    return job


@pytest.fixture
def next_year_job(cast):
    """An import into next year, which has no pupils yet: it removes nobody."""
    job = previewed_job(cast.a, year_name="2027-2028")
    assert not job.needs_complete_list
    return job


def test_confirming_runs_the_import_once_after_commit(
    cast, login, next_year_job, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login(cast.a.direction).post(url(next_year_job))

    imports = [c for c in callbacks if c.__qualname__.startswith("do_confirm_import.")]
    assert len(imports) == 1
    assert response.status_code == 302
    assert response["Location"] == next_year_job.get_absolute_url()
    next_year_job.refresh_from_db()
    assert (next_year_job.status, next_year_job.confirmed_by) == ("done", cast.a.direction.user)
    assert next_year_job.complete_list_confirmed is False
    assert next_year_job.students_csv == ""
    assert Enrolment.objects.filter(school_year__name="2027-2028").count() == 10


def test_a_mass_removal_needs_the_checkbox_and_writes_nothing_without_it(
    cast, login, mass_removal_job, django_capture_on_commit_callbacks
):
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login(cast.a.ent_admin).post(url(mass_removal_job))

    assert response.status_code == 400
    body = response.content.decode()
    assert CHECKBOX_ERROR in body
    assert 'id="id_liste_complete_error" role="alert"' in body
    assert 'aria-describedby="id_liste_complete_error"' in body
    assert "Confirmer l'import</button>" in body
    assert callbacks == []
    assert row_counts() == before
    assert state(mass_removal_job) == ("previewed", None, True)


def test_a_mass_removal_runs_once_the_checkbox_is_ticked(
    cast, login, mass_removal_job, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.a.ent_admin).post(url(mass_removal_job), {"liste_complete": "on"})

    assert response.status_code == 302
    mass_removal_job.refresh_from_db()
    assert (mass_removal_job.status, mass_removal_job.complete_list_confirmed) == ("done", True)
    assert mass_removal_job.report["student"]["removed"] == 4
    assert not Enrolment.objects.filter(student=cast.a.student).exists()


def test_a_second_confirmation_is_refused_and_writes_nothing(
    cast, login, mass_removal_job, django_capture_on_commit_callbacks
):
    client = login(cast.a.ent_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(mass_removal_job), {"liste_complete": "on"})
    mass_removal_job.refresh_from_db()
    finished_at, before = mass_removal_job.finished_at, row_counts()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url(mass_removal_job), {"liste_complete": "on"}, follow=True)

    assert callbacks == []
    assert row_counts() == before
    mass_removal_job.refresh_from_db()
    assert (mass_removal_job.status, mass_removal_job.finished_at) == ("done", finished_at)
    assert response.redirect_chain == [(mass_removal_job.get_absolute_url(), 302)]
    assert f'<p class="message message-error">{ALREADY_CONFIRMED}</p>' in (
        response.content.decode()
    )


def test_a_second_confirmation_before_the_run_starts_is_refused(cast, login, next_year_job):
    client = login(cast.a.direction)
    client.post(url(next_year_job))  # on_commit callbacks don't run here: the run waits
    assert state(next_year_job) == ("pending", cast.a.direction.user.pk, True)

    response = client.post(url(next_year_job), follow=True)

    assert ALREADY_CONFIRMED in response.content.decode()
    assert state(next_year_job) == ("pending", cast.a.direction.user.pk, True)


def test_a_cancelled_import_cannot_be_confirmed(cast, login, next_year_job):
    do_cancel_import(next_year_job)
    before = row_counts()

    response = login(cast.a.direction).post(url(next_year_job), follow=True)

    assert (
        "Cet import a été annulé : importez de nouveau les fichiers pour recommencer."
        in response.content.decode()
    )
    assert row_counts() == before
    assert state(next_year_job) == ("cancelled", None, False)


def test_an_import_whose_preview_is_not_ready_cannot_be_confirmed(cast, login):
    job = start_job(cast.a)

    response = login(cast.a.direction).post(url(job), {"liste_complete": "on"}, follow=True)

    assert (
        "L&#x27;aperçu de cet import n&#x27;est pas encore prêt : patientez quelques secondes."
        in response.content.decode()
    )
    assert state(job) == ("checking", None, True)


def test_a_refused_import_cannot_be_confirmed(cast, login, next_year_job):
    ImportJob.objects.filter(pk=next_year_job.pk).update(status="failed")

    response = login(cast.a.direction).post(url(next_year_job), follow=True)

    assert (
        "Cet import a été refusé : corrigez les fichiers puis importez-les de nouveau."
        in response.content.decode()
    )
    assert state(next_year_job) == ("failed", None, True)


@pytest.mark.parametrize(
    "who", ["school_life", "librarian", "teacher", "parent", "student", "tutor"]
)
def test_other_roles_of_the_establishment_are_refused(cast, login, mass_removal_job, who):
    before = row_counts()

    response = login(getattr(cast.a, who)).post(url(mass_removal_job), {"liste_complete": "on"})

    assert response.status_code == 403
    assert row_counts() == before
    assert state(mass_removal_job) == ("previewed", None, True)


def test_the_collectivitys_operator_is_refused(cast, login, mass_removal_job):
    response = login(cast.operator).post(url(mass_removal_job), {"liste_complete": "on"})

    assert response.status_code == 403
    assert state(mass_removal_job) == ("previewed", None, True)


@pytest.mark.parametrize("school", ["b", "c"])
def test_another_establishments_administrators_get_not_found(cast, login, mass_removal_job, school):
    for who in ("ent_admin", "direction"):
        response = login(getattr(getattr(cast, school), who)).post(
            url(mass_removal_job), {"liste_complete": "on"}
        )
        assert response.status_code == 404
    assert state(mass_removal_job) == ("previewed", None, True)


def test_it_rejects_get(cast, login, mass_removal_job):
    assert login(cast.a.direction).get(url(mass_removal_job)).status_code == 405
    assert state(mass_removal_job) == ("previewed", None, True)


def test_it_requires_login(client, mass_removal_job):
    response = client.post(url(mass_removal_job), {"liste_complete": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert state(mass_removal_job) == ("previewed", None, True)
