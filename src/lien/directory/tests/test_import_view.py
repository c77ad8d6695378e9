"""The upload page: who may import, the form's checks, and the whole flow to the job's report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lien.core.models import Profile
from lien.directory import forms
from lien.directory.importing import ImportKind
from lien.directory.models import ImportJob
from lien.directory.tests.fixtures import FILE_NAMES, example_text, replace_line, row_counts

URL = reverse("directory:import")
FIELDS = {
    ImportKind.STUDENTS: "eleves",
    ImportKind.PARENTS: "responsables",
    ImportKind.TEACHERS: "enseignants",
}


def upload(kind, text=None, data=None, name=None):
    content = data if data is not None else (text or example_text(kind)).encode("utf-8")
    return SimpleUploadedFile(name or FILE_NAMES[kind], content, content_type="text/csv")


def post(client, year="2026-2027", **files):
    return client.post(URL, {"annee": year, **files})


def example_uploads():
    return {FIELDS[kind]: upload(kind) for kind in ImportKind}


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["direction", "ent_admin"])
def test_account_managers_see_the_form_with_the_years(cast, login, who):
    response = login(getattr(cast.a, who)).get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert '<option value="2027-2028">2027-2028 (nouvelle année)</option>' in body
    assert '<option value="2026-2027" selected>2026-2027</option>' in body
    assert cast.a.establishment.name in body


@pytest.mark.parametrize(
    "who", ["school_life", "librarian", "teacher", "parent", "student", "tutor"]
)
def test_other_roles_are_refused(cast, login, who):
    assert login(getattr(cast.a, who)).get(URL).status_code == 403


def test_an_operator_is_refused(cast, login):
    assert login(cast.operator).get(URL).status_code == 403


def test_a_refused_post_creates_no_job(cast, login, django_capture_on_commit_callbacks):
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(login(cast.a.school_life), **example_uploads())

    assert response.status_code == 403
    assert ImportJob.objects.count() == 0
    assert row_counts() == before


def test_an_upload_is_previewed_then_confirmed_and_its_page_shows_the_report(
    cast, login, django_capture_on_commit_callbacks
):
    client = login(cast.a.ent_admin)
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, **example_uploads())

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:import-job", args=[job.code])
    assert (job.status, job.total_rows, job.done_rows) == ("previewed", 29, 0)
    assert row_counts() == before
    assert not Profile.objects.filter(external_id="ELV2001").exists()
    preview = client.get(response["Location"]).content.decode()
    assert "Aperçu : 25 comptes créés, 0 mis à jour, 4 inscriptions supprimées" in preview

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(
            reverse("directory:import-confirm", args=[job.code]), {"liste_complete": "on"}
        )

    assert confirmed.status_code == 302
    assert confirmed["Location"] == response["Location"]
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.done_rows) == ("done", 29, 29)
    assert (job.establishment, job.uploaded_by, job.school_year_name) == (
        cast.a.establishment,
        cast.a.ent_admin.user,
        "2026-2027",
    )
    assert (job.confirmed_by, job.complete_list_confirmed) == (cast.a.ent_admin.user, True)
    assert job.report["student"]["created"] == 10
    assert job.file_names == ["eleves.csv", "responsables.csv", "enseignants.csv"]
    assert (job.students_csv, job.parents_csv, job.teachers_csv) == ("", "", "")
    assert Profile.objects.filter(
        establishment=cast.a.establishment, external_id="ELV2001"
    ).exists()

    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Import terminé : 29 lignes traitées." in body
    assert '<tr><th scope="row">Comptes créés</th><td>10</td></tr>' in body
    assert '<tr><th scope="row">Liens avec un élève créés</th><td>13</td></tr>' in body
    assert '<tr><th scope="row">Professeurs principaux changés</th><td>2</td></tr>' in body
    assert "Refresh" not in page


def test_the_import_page_lists_the_establishments_recent_jobs(
    cast, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(login(cast.b.ent_admin), eleves=upload(ImportKind.STUDENTS, name="eleves-b.csv"))
        post(login(cast.a.ent_admin), eleves=upload(ImportKind.STUDENTS, name="eleves-a.csv"))

    body = login(cast.a.direction).get(URL).content.decode()

    job = ImportJob.objects.get(establishment=cast.a.establishment)
    assert reverse("directory:import-job", args=[job.code]) in body
    assert "eleves-a.csv" in body
    assert "eleves-b.csv" not in body


def test_a_file_with_errors_is_refused_on_the_job_page(
    cast, login, django_capture_on_commit_callbacks
):
    client = login(cast.a.direction)
    text = replace_line(example_text(ImportKind.STUDENTS), "Zoé;14/03/2011", "Zoé;31/02/2010")
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            eleves=upload(ImportKind.STUDENTS, text),
            enseignants=upload(ImportKind.TEACHERS),
        )

    assert row_counts() == before
    job = ImportJob.objects.get()
    assert (job.status, job.done_rows) == ("failed", 0)
    body = client.get(response["Location"]).content.decode()
    assert "Import refusé : rien n'a été modifié." in body
    assert "<h2>Fichier des élèves (eleves.csv)</h2>" in body
    assert (
        "<li>Ligne 2 : la date de naissance « 31/02/2010 » n&#x27;est pas une date valide.</li>"
        in body
    )


def test_choosing_the_next_year_creates_it_once_confirmed(
    cast, login, django_capture_on_commit_callbacks
):
    client = login(cast.a.ent_admin)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "2027-2028", eleves=upload(ImportKind.STUDENTS))
    job = ImportJob.objects.get()
    assert job.report["year_created"] is True
    assert not cast.a.establishment.school_years.filter(name="2027-2028").exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("directory:import-confirm", args=[job.code]))

    job.refresh_from_db()
    assert (job.status, job.report["year_created"]) == ("done", True)
    assert cast.a.establishment.school_years.filter(name="2027-2028", is_current=False).exists()


def test_a_file_that_is_not_csv_is_refused_on_the_form(cast, login):
    response = post(
        login(cast.a.ent_admin),
        eleves=upload(ImportKind.STUDENTS, data=b"PK\x03\x04\x00\x00", name="eleves.xlsx"),
    )

    assert response.status_code == 400
    assert "Ce fichier n&#x27;est pas un fichier CSV lisible" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_at_least_one_file_is_needed(cast, login):
    response = post(login(cast.a.ent_admin))

    assert response.status_code == 400
    assert "Choisissez au moins un fichier à importer." in response.content.decode()


def test_an_unknown_year_is_refused_on_the_form(cast, login):
    response = post(login(cast.a.ent_admin), "2031-2032", eleves=upload(ImportKind.STUDENTS))

    assert response.status_code == 400
    assert ImportJob.objects.count() == 0


def test_a_too_large_file_is_refused(cast, login, monkeypatch):
    monkeypatch.setattr(forms, "MAX_FILE_BYTES", 100)

    response = post(login(cast.a.ent_admin), eleves=upload(ImportKind.STUDENTS))

    assert response.status_code == 400
    assert "Ce fichier dépasse la taille permise (100\xa0octets)." in response.content.decode()
    assert ImportJob.objects.count() == 0
