"""The job page: progress while the files are checked, the preview to confirm or cancel,
progress while the import runs, then its report or its errors; who may see it."""

import pytest
from django.urls import reverse

from lien.directory.importing import ImportKind
from lien.directory.models import ImportJob
from lien.directory.services import do_cancel_import, run_import_job
from lien.directory.tests.fixtures import (
    confirmed_job,
    csv_file,
    example_text,
    previewed_job,
    replace_line,
    start_job,
)


@pytest.fixture
def checking_job(cast):
    """A job of school A whose preview has not run yet (on_commit callbacks don't run here)."""
    return start_job(cast.a)


@pytest.fixture
def pending_job(cast):
    """A confirmed job of school A whose run has not started yet."""
    return confirmed_job(cast.a)


def url(job) -> str:
    return reverse("directory:import-job", args=[job.code])


def test_a_job_being_checked_shows_its_progress_and_reloads_itself(cast, login, checking_job):
    checking_job.publish_progress(3)

    response = login(cast.a.ent_admin).get(url(checking_job))

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Refresh"] == "2"
    assert "<strong>Vérification en cours</strong>" in body
    assert "rien n'est encore modifié." in body
    assert "3 lignes traitées sur 10." in body
    assert '<progress id="import-progress" max="10" value="3">3 / 10</progress>' in body
    assert '<label for="import-progress">Avancement de la vérification</label>' in body
    assert reverse("directory:import-cancel", args=[checking_job.code]) in body
    assert reverse("directory:import-confirm", args=[checking_job.code]) not in body


def test_a_pending_job_shows_its_progress_and_reloads_itself(cast, login, pending_job):
    response = login(cast.a.ent_admin).get(url(pending_job))

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Refresh"] == "2"
    assert "<strong>En attente</strong>" in body
    assert "0 lignes traitées sur 10." in body
    assert '<progress id="import-progress" max="10" value="0">0 / 10</progress>' in body
    assert '<label for="import-progress">Avancement de l\'import</label>' in body
    assert reverse("directory:import-cancel", args=[pending_job.code]) not in body


def test_the_previews_progress_does_not_show_as_the_runs(cast, login):
    job = start_job(cast.a)
    job.publish_progress(10)
    job = confirmed_job(cast.a)  # another job: its preview forgot its progress

    body = login(cast.a.ent_admin).get(url(job)).content.decode()

    assert "0 lignes traitées sur 10." in body


def test_a_previewed_job_shows_what_the_import_would_do_and_waits(cast, login):
    job = previewed_job(cast.a, year_name="2027-2028")

    response = login(cast.a.ent_admin).get(url(job))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Refresh" not in response
    assert (
        "<strong>Aperçu : 10 comptes créés, 0 mis à jour, 0 inscriptions supprimées "
        "(élèves absents du fichier).</strong>" in body
    )
    assert "Rien n'a encore été modifié." in body
    assert "L'année scolaire 2027-2028 sera créée." in body
    assert "<h2>Élèves : aperçu</h2>" in body
    assert '<tr><th scope="row">Comptes créés</th><td>10</td></tr>' in body
    assert f'action="{reverse("directory:import-confirm", args=[job.code])}"' in body
    assert f'action="{reverse("directory:import-cancel", args=[job.code])}"' in body
    assert "Confirmer l'import</button>" in body
    assert "liste_complete" not in body
    assert 'role="alert"' not in body
    assert "retirés de leur classe (absents du fichier)" not in body


def test_a_preview_removing_many_pupils_warns_lists_them_and_asks_for_the_checkbox(cast, login):
    job = previewed_job(cast.a)

    body = login(cast.a.direction).get(url(job)).content.decode()

    assert (
        "<strong>Aperçu : 10 comptes créés, 0 mis à jour, 4 inscriptions supprimées "
        "(élèves absents du fichier).</strong>" in body
    )
    assert '<div class="card import-warning" role="alert">' in body
    assert "Attention : de nombreux élèves seraient retirés de leur classe" in body
    assert (
        "Cet import supprimerait 4 inscriptions sur 4 de l'année 2026-2027, soit plus de "
        "10 %." in body
    )
    names = [
        f"<li>{p.user.last_name} {p.user.first_name} "
        for p in sorted(
            [cast.a.student, cast.a.classmate],
            key=lambda p: (p.user.last_name, p.user.first_name),
        )
    ]
    names += [
        f"<li>{p.user.last_name} {p.user.first_name} "
        for p in sorted(
            [cast.a.sibling, cast.a.other_class_student],
            key=lambda p: (p.user.last_name, p.user.first_name),
        )
    ]
    positions = [body.index(name) for name in names]
    assert positions == sorted(positions)  # by class, then by name
    assert '<span class="muted">(2nde A)</span></li>' in body
    assert 'type="checkbox" name="liste_complete"' in body
    assert (
        "Je confirme que ce fichier contient la liste complète des élèves de l&#x27;année</label>"
        in body
    )


def test_a_preview_names_the_first_fifty_removed_pupils_and_counts_the_others(cast, login):
    job = previewed_job(cast.a)
    students = [
        {"last_name": f"Nom{i:02d}", "first_name": "A", "class_name": "2nde A", "external_id": ""}
        for i in range(50)
    ]
    ImportJob.objects.filter(pk=job.pk).update(
        removals={"count": 53, "enrolled": 60, "is_mass_removal": True, "students": students}
    )

    body = login(cast.a.direction).get(url(job)).content.decode()

    assert body.count("<li>Nom") == 50
    assert "et 3 autres élèves." in body


def test_a_cancelled_job_says_nothing_changed(cast, login):
    job = previewed_job(cast.a)
    do_cancel_import(job)

    response = login(cast.a.ent_admin).get(url(job))

    body = response.content.decode()
    assert "Refresh" not in response
    assert "Import annulé : rien n'a été modifié" in body
    assert "Confirmer" not in body


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
    job = previewed_job(
        cast.a, [csv_file(ImportKind.STUDENTS, students), csv_file(ImportKind.PARENTS, parents)]
    )
    assert job.status == "failed"

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


@pytest.mark.parametrize(
    "who", ["school_life", "librarian", "teacher", "parent", "student", "tutor"]
)
def test_other_roles_of_the_establishment_are_refused(cast, login, who):
    job = previewed_job(cast.a)
    assert login(getattr(cast.a, who)).get(url(job)).status_code == 403


def test_the_collectivitys_operator_is_refused(cast, login):
    assert login(cast.operator).get(url(previewed_job(cast.a))).status_code == 403


@pytest.mark.parametrize("school", ["b", "c"])
def test_another_establishments_administrators_get_not_found(cast, login, school):
    job = previewed_job(cast.a)
    other = getattr(cast, school)
    assert login(other.ent_admin).get(url(job)).status_code == 404
    assert login(other.direction).get(url(job)).status_code == 404


def test_an_unknown_job_is_not_found(cast, login):
    response = login(cast.a.ent_admin).get(
        reverse("directory:import-job", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_it_requires_login(client, pending_job):
    response = client.get(url(pending_job))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
