"""The activation letters page of a class (/classes/<code>/lettres/): who may print, what."""

import io
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lien.accounts.models import ActivationCode, User
from lien.accounts.views.activation import letters_filename
from lien.core.models import SchoolClass

CODE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")
USERNAME = re.compile(r"Identifiant :\n(\S+)\n")
LOGIN = reverse("accounts:login")
CHOOSE = reverse("accounts:activation-password")
HOME = reverse("home:index")
NEW_PASSWORD = "Un-mot-de-passe-choisi-9"
BOTH = {"audience": "both", "only_not_activated": "", "per_page": "1"}


def url(school_class) -> str:
    return reverse("accounts:activation-letters", args=[school_class.code])


def pdf_pages(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def code_of(page: str, username: str) -> str:
    assert f"Identifiant :\n{username}\n" in page
    [code] = CODE.findall(page)
    return code


def waiting_for_letter(*profiles) -> None:
    for profile in profiles:
        user = profile.user
        user.set_unusable_password()
        user.activated_at = None
        user.save()


@pytest.mark.parametrize("who", ["direction", "ent_admin"])
def test_account_managers_see_the_form(cast, login, who):
    waiting_for_letter(cast.a.student)
    response = login(getattr(cast.a, who)).get(url(cast.a.class_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Lettres d'activation – 2nde A</h1>" in body
    assert '<th scope="row">Élèves</th><td>2</td><td>1</td>' in body
    assert '<th scope="row">Parents</th><td>2</td><td>0</td>' in body
    assert "valable 90 jours et une seule fois" in body
    assert '<input type="radio" name="per_page" value="8"' in body


@pytest.mark.parametrize(
    "who",
    ["school_life", "librarian", "teacher", "parent", "student", "tutor"],
)
def test_other_members_of_the_establishment_are_refused(cast, login, who):
    client = login(getattr(cast.a, who))
    assert client.get(url(cast.a.class_a)).status_code == 403
    assert client.post(url(cast.a.class_a), BOTH).status_code == 403
    assert ActivationCode.objects.count() == 0


def test_the_collectivitys_operator_is_refused(cast, login):
    client = login(cast.operator)
    assert client.post(url(cast.a.class_a), BOTH).status_code == 403
    assert ActivationCode.objects.count() == 0


@pytest.mark.parametrize("school", ["b", "c"])
def test_another_establishments_staff_do_not_find_the_class(cast, login, school):
    client = login(getattr(cast, school).ent_admin)
    assert client.get(url(cast.a.class_a)).status_code == 404
    assert client.post(url(cast.a.class_a), BOTH).status_code == 404
    assert ActivationCode.objects.count() == 0


def test_an_unknown_class_is_not_found(cast, login):
    unknown = reverse("accounts:activation-letters", args=[uuid.uuid4()])
    assert login(cast.a.direction).get(unknown).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(cast, client):
    response = client.post(url(cast.a.class_a), BOTH)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert ActivationCode.objects.count() == 0


def test_printing_returns_a_pdf_attachment_named_after_the_class(cast, login):
    response = login(cast.a.direction).post(url(cast.a.class_a), BOTH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="lettres-activation-2nde-A.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    pages = pdf_pages(response)
    assert len(pages) == 4
    assert ActivationCode.objects.filter(revoked_at__isnull=True).count() == 4


def test_the_printed_code_works_once_for_the_first_login(cast, login):
    waiting_for_letter(cast.a.student)
    response = login(cast.a.ent_admin).post(
        url(cast.a.class_a), {"audience": "students", "only_not_activated": "on", "per_page": "8"}
    )
    [page] = pdf_pages(response)
    code = code_of(page, "a.eleve")
    assert cast.a.student.user.get_full_name() in page
    assert "a.camarade" not in page

    pupil = Client()
    assert pupil.post(LOGIN, {"username": "a.eleve", "password": code})["Location"] == CHOOSE
    chosen = pupil.post(CHOOSE, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert chosen["Location"] == HOME
    user = User.objects.get(username="a.eleve")
    assert user.check_password(NEW_PASSWORD)
    assert user.activated_at is not None

    again = Client().post(LOGIN, {"username": "a.eleve", "password": code})
    assert again.status_code == 400
    assert "Ce code d&#x27;activation a déjà été utilisé." in again.content.decode()


def test_only_accounts_not_activated_get_a_letter(cast, login):
    waiting_for_letter(cast.a.classmate, cast.a.parent)
    response = login(cast.a.direction).post(
        url(cast.a.class_a), {"audience": "both", "only_not_activated": "on", "per_page": "1"}
    )
    pages = pdf_pages(response)
    printed = sorted(USERNAME.search(page).group(1) for page in pages)
    assert printed == ["a.camarade", "a.parent"]
    assert set(ActivationCode.objects.values_list("user__username", flat=True)) == {
        "a.camarade",
        "a.parent",
    }


def test_printing_again_replaces_the_earlier_letters(cast, login):
    waiting_for_letter(cast.a.student)
    client = login(cast.a.direction)
    options = {"audience": "students", "only_not_activated": "on", "per_page": "1"}
    first = code_of(pdf_pages(client.post(url(cast.a.class_a), options))[0], "a.eleve")
    second = code_of(pdf_pages(client.post(url(cast.a.class_a), options))[0], "a.eleve")
    refused = Client().post(LOGIN, {"username": "a.eleve", "password": first})
    assert refused.status_code == 400
    assert "remplacé par celui d&#x27;une lettre plus récente" in refused.content.decode()
    accepted = Client().post(LOGIN, {"username": "a.eleve", "password": second})
    assert accepted["Location"] == CHOOSE


def test_nothing_left_to_print_is_explained_and_changes_nothing(cast, login):
    response = login(cast.a.direction).post(
        url(cast.a.class_a), {"audience": "both", "only_not_activated": "on", "per_page": "1"}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert (
        "Aucune lettre à imprimer : tous ces comptes sont déjà activés. Pour leur remettre une "
        "nouvelle lettre, décochez « Seulement les comptes pas encore activés »."
    ) in response.content.decode()
    assert ActivationCode.objects.count() == 0


def test_a_class_without_parents_is_explained(cast, login):
    cast.a.class_a.enrolments.all().delete()
    response = login(cast.a.direction).post(
        url(cast.a.class_a), {"audience": "parents", "only_not_activated": "", "per_page": "1"}
    )
    assert response.status_code == 400
    assert (
        "Aucune lettre à imprimer : aucun parent n&#x27;est rattaché aux élèves de cette classe."
    ) in response.content.decode()


def test_an_empty_class_is_explained(cast, login):
    cast.a.class_a.enrolments.all().delete()
    response = login(cast.a.direction).post(url(cast.a.class_a), BOTH)
    assert response.status_code == 400
    assert "Aucune lettre à imprimer : cette classe n&#x27;a aucun élève inscrit." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "field, value", [("per_page", "3"), ("per_page", ""), ("audience", "teachers")]
)
def test_an_option_outside_the_choices_is_refused(cast, login, field, value):
    response = login(cast.a.direction).post(url(cast.a.class_a), {**BOTH, field: value})
    body = response.content.decode()
    assert response.status_code == 400
    expected = "Ce champ est obligatoire." if value == "" else "Choisissez l&#x27;une des options"
    assert expected in body
    assert ActivationCode.objects.count() == 0


@pytest.mark.parametrize(
    "name, filename",
    [
        ("2nde A", "lettres-activation-2nde-A.pdf"),
        ("1re STMG 2", "lettres-activation-1re-STMG-2.pdf"),
        ("Terminale Spé « Maths »", "lettres-activation-Terminale-Spe-Maths.pdf"),
        ("ΑΒΓ", "lettres-activation-classe.pdf"),
    ],
)
def test_the_file_is_named_after_the_class_in_plain_ascii(name, filename):
    assert letters_filename(SchoolClass(name=name)) == filename
