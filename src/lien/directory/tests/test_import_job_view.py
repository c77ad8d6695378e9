"""The job page: progress while the import runs, then its report or its errors; who may see it."""

import pytest
from django.urls import reverse

from lien.directory.importing import ImportKind
from lien.directory.services import do_start_import, run_import_job
from lien.directory.tests.fixtures import csv_file, example_text, replace_line


@pytest.fixture
def pending_job(cast):
    """A job of school A whose task has not run yet (on_commit callbacks don't run in tests)."""
    return do_start_import(
        cast.a.ent_admin.user, cast.a.establishment, "2026-2027", [csv_file(ImportKind.STUDENTS)]
    )


def url(job) -> str:
    return reverse("directory:import-job", args=[job.code])


def test_a_pending_job_shows_its_progress_and_reloads_itself(cast, login, pending_job):
    response = login(cast.a.ent_admin).get(url(pending_job))

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Refresh"] == "2"
    assert "<strong>En attente</strong>" in body
    assert "0 lignes traitées sur 10." in body
    assert '<progress id="import-progress" max="10" value="0">0 / 10</progress>' in body
    assert '<label for="import-progress">' in body


def test_a_running_job_shows_the_rows_written_so_far(cast, login, pending_job):
    pending_job.status = "running"
    pending_job.save()
    pending_job.publish_progress(4)

    body = login(cast.a.direction).get(url(pending_job)).content.decode()

    assert "<strong>En cours</strong>" in body
    assert "4 lignes traitées sur 10." in body
    assert 'max="10" value="4"' in body


def test_a_finished_job_stops_reloading(cast, login, pending_job):
    run_import_job(pending_job.pk)

    response = login(cast.a.ent_admin).get(url(pending_job))

    assert "Refresh" not in response
    assert "Import terminé : 10 lignes traitées." in response.content.decode()


def test_a_refused_job_lists_its_errors_under_each_file(cast, login):
    students = replace_line(example_text(ImportKind.STUDENTS), "Zoé;14/03/2011", "Zoé;1/1/1")
    parents = replace_line(example_text(ImportKind.PARENTS), "ELV2002;oui", "ELV9999;oui")
    job = do_start_import(
        cast.a.ent_admin.user,
        cast.a.establishment,
        "2026-2027",
        [csv_file(ImportKind.STUDENTS, students), csv_file(ImportKind.PARENTS, parents)],
    )
    run_import_job(job.pk)

    body = login(cast.a.ent_admin).get(url(job)).content.decode()

    fragments = [
        "<h2>Fichier des élèves (eleves.csv)</h2>",
        "<li>Ligne 2 : la date de naissance « 1/1/1 » n&#x27;est pas une date valide.</li>",
        "<h2>Fichier des responsables (responsables.csv)</h2>",
        "<li>Ligne 6 : aucun élève n&#x27;a l&#x27;identifiant « ELV9999 ».</li>",
    ]
    positions = [body.index(fragment) for fragment in fragments]
    assert positions == sorted(positions)
    assert body.count("<li>Ligne") == 2
    assert 'role="alert"' in body


@pytest.mark.parametrize("who", ["school_life", "librarian", "teacher", "parent", "student"])
def test_other_roles_of_the_establishment_are_refused(cast, login, pending_job, who):
    assert login(getattr(cast.a, who)).get(url(pending_job)).status_code == 403


@pytest.mark.parametrize("school", ["b", "c"])
def test_another_establishments_administrators_get_not_found(cast, login, pending_job, school):
    other = getattr(cast, school)
    assert login(other.ent_admin).get(url(pending_job)).status_code == 404
    assert login(other.direction).get(url(pending_job)).status_code == 404


def test_an_unknown_job_is_not_found(cast, login):
    response = login(cast.a.ent_admin).get(
        reverse("directory:import-job", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_it_requires_login(client, pending_job):
    response = client.get(url(pending_job))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
