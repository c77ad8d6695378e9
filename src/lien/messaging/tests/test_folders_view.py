"""A user's own folders: create, rename, delete (their messages go back to the inbox)."""

import pytest
from django.urls import reverse

from lien.messaging import mailbox, services
from lien.messaging.models import Delivery, Folder
from lien.messaging.tests.mailbox_fixtures import delivery, flashes, send

FOLDERS = reverse("messaging:folders")
Box = Delivery.Box


def names(user) -> list[str]:
    return list(Folder.objects.filter(owner=user).values_list("name", flat=True))


def test_it_requires_login(client):
    response = client.get(FOLDERS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_lists_only_the_users_folders_with_counts(cast, login):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    mailbox.check_create_folder(cast.a.classmate_parent.user, "Chez les voisins")
    filed = send(cast.a.teacher, cast.a.parent)
    services.do_move(delivery(filed, cast.a.parent), Box.FOLDER, folder)
    response = login(cast.a.parent).get(FOLDERS)
    assert response.status_code == 200
    assert [(f.name, f.message_count) for f in response.context["folder_list"]] == [("Cantine", 1)]
    assert "Chez les voisins" not in response.content.decode()


def test_create_a_folder(cast, login):
    response = login(cast.a.parent).post(FOLDERS, {"name": "  Sorties   scolaires "}, follow=True)
    assert flashes(response) == ["Dossier « Sorties scolaires » créé."]
    assert names(cast.a.parent.user) == ["Sorties scolaires"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Donnez un nom au dossier."),
        ("   ", "Donnez un nom au dossier."),
        ("x" * 61, "Le nom est trop long (60 caractères au plus)."),
        ("cantine", "Vous avez déjà un dossier nommé « cantine »."),
    ],
)
def test_a_bad_name_is_refused_with_a_french_error(cast, login, name, error):
    mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    response = login(cast.a.parent).post(FOLDERS, {"name": name})
    assert response.status_code == 400
    assert response.context["form"].errors == {"name": [error]}
    assert error.replace("'", "&#x27;") in response.content.decode()
    assert names(cast.a.parent.user) == ["Cantine"]


def test_an_empty_post_is_refused_as_a_missing_name(cast, login):
    """A POST without any field (a bare request) is a submitted form, not a blank page."""
    response = login(cast.a.parent).post(FOLDERS)
    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["Donnez un nom au dossier."]}
    assert names(cast.a.parent.user) == []


def test_an_empty_rename_post_is_refused_and_keeps_the_name(cast, login):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    response = login(cast.a.parent).post(reverse("messaging:rename-folder", args=[folder.code]))
    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["Donnez un nom au dossier."]}
    assert names(cast.a.parent.user) == ["Cantine"]


def test_two_users_may_have_folders_with_the_same_name(cast, login):
    mailbox.check_create_folder(cast.a.classmate_parent.user, "Cantine")
    login(cast.a.parent).post(FOLDERS, {"name": "Cantine"})
    assert names(cast.a.parent.user) == ["Cantine"]


def test_rename_a_folder(cast, login):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    rename = reverse("messaging:rename-folder", args=[folder.code])
    client = login(cast.a.parent)
    assert 'value="Cantine"' in client.get(rename).content.decode()
    response = client.post(rename, {"name": "Restauration"}, follow=True)
    assert flashes(response) == ["Dossier renommé en « Restauration »."]
    assert names(cast.a.parent.user) == ["Restauration"]


def test_rename_to_a_taken_name_is_refused_and_keeps_the_old_name(cast, login):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    mailbox.check_create_folder(cast.a.parent.user, "Sorties")
    response = login(cast.a.parent).post(
        reverse("messaging:rename-folder", args=[folder.code]), {"name": "SORTIES"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "name": ["Vous avez déjà un dossier nommé « SORTIES »."]
    }
    assert sorted(names(cast.a.parent.user)) == ["Cantine", "Sorties"]


def test_renaming_a_folder_to_its_own_name_in_other_case_is_allowed(cast, login):
    folder = mailbox.check_create_folder(cast.a.parent.user, "cantine")
    login(cast.a.parent).post(
        reverse("messaging:rename-folder", args=[folder.code]), {"name": "Cantine"}
    )
    assert names(cast.a.parent.user) == ["Cantine"]


def test_deleting_a_folder_asks_first_then_returns_its_messages_to_the_inbox(cast, login):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    filed = send(cast.a.teacher, cast.a.parent)
    services.do_move(delivery(filed, cast.a.parent), Box.FOLDER, folder)
    delete = reverse("messaging:delete-folder", args=[folder.code])
    client = login(cast.a.parent)
    confirmation = client.get(delete).content.decode()
    assert "Le dossier contient 1 message : il reviendra dans votre boîte de réception." in (
        confirmation
    )
    assert names(cast.a.parent.user) == ["Cantine"]
    response = client.post(delete, follow=True)
    assert flashes(response) == [
        "Dossier « Cantine » supprimé ; 1 message est revenu dans la boîte de réception."
    ]
    assert names(cast.a.parent.user) == []
    state = delivery(filed, cast.a.parent)
    assert (state.box, state.folder_id) == (Box.INBOX, None)


@pytest.mark.parametrize("view", ["messaging:rename-folder", "messaging:delete-folder"])
def test_another_users_folder_cannot_be_changed(cast, login, view):
    folder = mailbox.check_create_folder(cast.a.classmate_parent.user, "Privé")
    filed = send(cast.a.teacher, cast.a.classmate_parent)
    services.do_move(delivery(filed, cast.a.classmate_parent), Box.FOLDER, folder)
    client = login(cast.a.parent)
    target = reverse(view, args=[folder.code])
    assert client.get(target).status_code == 404
    assert client.post(target, {"name": "Volé"}).status_code == 404
    assert names(cast.a.classmate_parent.user) == ["Privé"]
    assert delivery(filed, cast.a.classmate_parent).box == Box.FOLDER


def test_folder_pages_are_refused_to_visitors(client, cast):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    for view in ("messaging:rename-folder", "messaging:delete-folder"):
        response = client.post(reverse(view, args=[folder.code]), {"name": "X"})
        assert response.status_code == 302
    assert names(cast.a.parent.user) == ["Cantine"]
