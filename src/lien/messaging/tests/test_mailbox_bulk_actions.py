"""Bulk actions on the checked messages of a folder page."""

import pytest
from django.urls import reverse

from lien.messaging import mailbox, services
from lien.messaging.models import Delivery, Folder, Message
from lien.messaging.tests.mailbox_fixtures import delivery, flashes, send

INBOX = reverse("messaging:inbox")
ARCHIVE = reverse("messaging:archive")
SENT = reverse("messaging:sent")
Box = Delivery.Box


@pytest.fixture
def two_messages(cast):
    return [
        send(cast.a.teacher, cast.a.parent, subject="Un"),
        send(cast.a.teacher, cast.a.parent, subject="Deux"),
    ]


def post(client, url, action, messages, **extra):
    return client.post(
        url, {"action": action, "message": [str(m.code) for m in messages]}, follow=True, **extra
    )


def states(messages, who):
    return [
        (d.box, d.folder_id, d.read_at is not None)
        for d in (delivery(message, who) for message in messages)
    ]


def test_mark_read_then_unread(cast, login, two_messages):
    client = login(cast.a.parent)
    response = post(client, INBOX, "read", two_messages)
    assert flashes(response) == ["2 messages marqués comme lus."]
    assert states(two_messages, cast.a.parent) == [("inbox", None, True)] * 2
    assert services.unread_count(cast.a.parent.user) == 0
    response = post(client, INBOX, "unread", two_messages[:1])
    assert flashes(response) == ["1 message marqué comme non lu."]
    assert states(two_messages, cast.a.parent) == [("inbox", None, False), ("inbox", None, True)]


def test_archive_then_back_to_the_inbox(cast, login, two_messages):
    client = login(cast.a.parent)
    response = post(client, INBOX, "archive", two_messages[:1])
    assert flashes(response) == ["1 message archivé."]
    assert states(two_messages, cast.a.parent)[0] == ("archive", None, False)
    response = post(client, ARCHIVE, "inbox", two_messages[:1])
    assert flashes(response) == ["1 message remis dans la boîte de réception."]
    assert states(two_messages, cast.a.parent)[0] == ("inbox", None, False)


def test_move_to_an_own_folder(cast, login, two_messages):
    folder = mailbox.check_create_folder(cast.a.parent.user, "École")
    response = post(login(cast.a.parent), INBOX, f"move:{folder.code}", two_messages)
    assert flashes(response) == ["2 messages déplacés."]
    assert states(two_messages, cast.a.parent) == [("folder", folder.pk, False)] * 2


def test_the_move_options_name_the_users_folders(cast, login, two_messages):
    folder = mailbox.check_create_folder(cast.a.parent.user, "École")
    body = login(cast.a.parent).get(INBOX).content.decode()
    assert f'<option value="move:{folder.code}">Déplacer vers « École »</option>' in body


def test_moving_to_another_users_folder_changes_nothing(cast, login, two_messages):
    other = Folder.objects.create(owner=cast.a.classmate_parent.user, name="Autre")
    response = post(login(cast.a.parent), INBOX, f"move:{other.code}", two_messages)
    assert flashes(response) == ["Ce dossier n'existe pas."]
    assert states(two_messages, cast.a.parent) == [("inbox", None, False)] * 2


def test_trash_from_the_inbox(cast, login, two_messages):
    response = post(login(cast.a.parent), INBOX, "trash", two_messages)
    assert flashes(response) == ["2 messages mis à la corbeille."]
    assert states(two_messages, cast.a.parent) == [("trash", None, False)] * 2
    assert services.unread_count(cast.a.parent.user) == 0


def test_trash_of_a_sent_message_is_only_for_its_sender(cast, login, two_messages):
    response = post(login(cast.a.teacher), SENT, "trash", two_messages[:1])
    assert flashes(response) == ["1 message mis à la corbeille."]
    assert Message.objects.get(pk=two_messages[0].pk).sender_folder == "trash"
    assert states(two_messages, cast.a.parent) == [("inbox", None, False)] * 2


def test_no_selection_is_refused_with_a_message(cast, login, two_messages):
    response = post(login(cast.a.parent), INBOX, "archive", [])
    assert flashes(response) == ["Sélectionnez au moins un message."]
    assert states(two_messages, cast.a.parent) == [("inbox", None, False)] * 2


def test_an_unknown_action_is_refused(cast, login, two_messages):
    response = post(login(cast.a.parent), INBOX, "explode", two_messages)
    assert flashes(response) == ["Choisissez une action dans la liste."]
    assert states(two_messages, cast.a.parent) == [("inbox", None, False)] * 2


def test_an_action_of_another_folder_is_refused(cast, login, two_messages):
    response = post(login(cast.a.parent), INBOX, "delete", two_messages)
    assert flashes(response) == ["Choisissez une action dans la liste."]
    assert states(two_messages, cast.a.parent) == [("inbox", None, False)] * 2


def test_forged_codes_of_other_peoples_messages_change_nothing(cast, login):
    theirs = send(cast.a.teacher, cast.a.classmate_parent, subject="Pas à moi")
    other_school = send(cast.b.teacher, cast.b.parent, subject="Ailleurs")
    response = post(login(cast.a.parent), INBOX, "trash", [theirs, other_school])
    assert flashes(response) == ["Sélectionnez au moins un message."]
    assert states([theirs], cast.a.classmate_parent) == [("inbox", None, False)]
    assert states([other_school], cast.b.parent) == [("inbox", None, False)]


def test_a_mixed_selection_only_touches_the_users_own(cast, login, two_messages):
    theirs = send(cast.a.teacher, cast.a.classmate_parent, subject="Pas à moi")
    response = post(login(cast.a.parent), INBOX, "archive", [two_messages[0], theirs])
    assert flashes(response) == ["1 message archivé."]
    assert states([theirs], cast.a.classmate_parent) == [("inbox", None, False)]


def test_the_redirect_keeps_the_page(cast, login, two_messages):
    response = login(cast.a.parent).post(
        f"{INBOX}?page=2", {"action": "read", "message": [str(two_messages[0].code)]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?page=2"


def test_bulk_actions_require_login(client, cast, two_messages):
    response = client.post(INBOX, {"action": "trash", "message": [str(two_messages[0].code)]})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert states(two_messages, cast.a.parent) == [("inbox", None, False)] * 2


def test_the_drafts_page_takes_no_post(cast, login):
    assert login(cast.a.parent).post(reverse("messaging:drafts")).status_code == 405
