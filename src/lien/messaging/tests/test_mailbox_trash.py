"""The trash: received and sent messages together, restore, delete for good, empty it."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from lien.messaging import services
from lien.messaging.models import Delivery, Message
from lien.messaging.tests.mailbox_fixtures import (
    count_queries,
    delivery,
    flashes,
    send,
    subjects,
)

TRASH = reverse("messaging:trash")
EMPTY = reverse("messaging:empty-trash")
Box = Delivery.Box


def trashed_mix(cast):
    """A teacher's trash: one message received from a parent, one of their own sent ones."""
    received = send(cast.a.parent, cast.a.teacher, subject="Reçu du parent")
    sent = send(cast.a.teacher, cast.a.parent, subject="Envoyé au parent")
    Message.objects.filter(pk=received.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    services.do_move(delivery(received, cast.a.teacher), Box.TRASH)
    Message.objects.filter(pk=sent.pk).update(sender_folder="trash")
    return received, sent


def test_trash_lists_received_and_sent_messages_newest_first(cast, login):
    trashed_mix(cast)
    send(cast.a.parent, cast.a.teacher, subject="Encore dans la boîte")
    response = login(cast.a.teacher).get(TRASH)
    assert response.status_code == 200
    assert subjects(response) == ["Envoyé au parent", "Reçu du parent"]
    sent_row, received_row = response.context["rows"]
    assert (sent_row.is_sent, sent_row.correspondent) == (
        True,
        cast.a.parent.user.get_full_name(),
    )
    assert (received_row.is_sent, received_row.correspondent) == (
        False,
        cast.a.parent.user.get_full_name(),
    )
    body = response.content.decode()
    assert f"À : {cast.a.parent.user.get_full_name()}" in body
    assert f'href="{EMPTY}">Vider la corbeille</a>' in body


def test_restore_puts_messages_back_where_they_came_from(cast, login):
    received, sent = trashed_mix(cast)
    response = login(cast.a.teacher).post(
        TRASH, {"action": "restore", "message": [str(received.code), str(sent.code)]}, follow=True
    )
    assert flashes(response) == ["2 messages restaurés."]
    assert delivery(received, cast.a.teacher).box == Box.INBOX
    assert Message.objects.get(pk=sent.pk).sender_folder == "sent"
    assert subjects(login(cast.a.teacher).get(reverse("messaging:sent"))) == ["Envoyé au parent"]


def test_delete_for_good_is_only_for_this_user(cast, login):
    received, sent = trashed_mix(cast)
    response = login(cast.a.teacher).post(
        TRASH, {"action": "delete", "message": [str(received.code), str(sent.code)]}, follow=True
    )
    assert flashes(response) == ["2 messages supprimés définitivement."]
    assert delivery(received, cast.a.teacher).box == Box.DELETED
    assert Message.objects.get(pk=sent.pk).sender_folder == "deleted"
    assert delivery(sent, cast.a.parent).box == Box.INBOX  # the parent keeps it
    assert subjects(login(cast.a.teacher).get(TRASH)) == []
    message_url = reverse("messaging:message", args=[sent.code])
    assert login(cast.a.teacher).get(message_url).status_code == 404
    assert login(cast.a.parent).get(message_url).status_code == 200


def test_delete_only_acts_on_messages_in_the_trash(cast, login):
    inbox_message = send(cast.a.parent, cast.a.teacher, subject="Dans la boîte")
    response = login(cast.a.teacher).post(
        TRASH, {"action": "delete", "message": [str(inbox_message.code)]}, follow=True
    )
    assert flashes(response) == ["Aucun des messages cochés n'a changé."]
    assert delivery(inbox_message, cast.a.teacher).box == Box.INBOX


def test_empty_trash_asks_for_confirmation_first(cast, login):
    received, sent = trashed_mix(cast)
    response = login(cast.a.teacher).get(EMPTY)
    assert response.status_code == 200
    assert "2 messages seront supprimés définitivement de votre messagerie." in (
        response.content.decode()
    )
    assert delivery(received, cast.a.teacher).box == Box.TRASH
    assert Message.objects.get(pk=sent.pk).sender_folder == "trash"


def test_empty_trash_deletes_everything_in_it_for_this_user_only(cast, login):
    received, sent = trashed_mix(cast)
    other = send(cast.a.teacher, cast.a.classmate_parent, subject="Autre")
    services.do_move(delivery(other, cast.a.classmate_parent), Box.TRASH)
    response = login(cast.a.teacher).post(EMPTY, follow=True)
    assert flashes(response) == ["La corbeille est vide : 2 messages supprimés définitivement."]
    assert delivery(received, cast.a.teacher).box == Box.DELETED
    assert Message.objects.get(pk=sent.pk).sender_folder == "deleted"
    assert delivery(other, cast.a.classmate_parent).box == Box.TRASH


def test_empty_trash_requires_login(client, cast):
    received, _sent = trashed_mix(cast)
    response = client.post(EMPTY)
    assert response.status_code == 302
    assert delivery(received, cast.a.teacher).box == Box.TRASH


def test_an_empty_trash_says_so(cast, login):
    body = login(cast.a.teacher).get(EMPTY).content.decode()
    assert "La corbeille est déjà vide." in body
    assert "<button" not in body.split("<h1>")[1].split("</main>")[0]


def test_trash_queries_do_not_grow_with_the_number_of_messages(cast, login):
    def trash(count):
        for number in range(count):
            mine = send(cast.a.teacher, cast.a.parent, subject=f"Envoyé {number}")
            Message.objects.filter(pk=mine.pk).update(sender_folder="trash")
            theirs = send(cast.a.parent, cast.a.teacher, subject=f"Reçu {number}")
            services.do_move(delivery(theirs, cast.a.teacher), Box.TRASH)

    trash(1)
    client = login(cast.a.teacher)
    with_two = count_queries(client, TRASH)
    trash(9)
    assert count_queries(client, TRASH) == with_two


def test_emptying_an_empty_trash_says_it_was_already_empty(cast, login):
    response = login(cast.a.teacher).post(EMPTY, follow=True)
    assert flashes(response) == ["La corbeille était déjà vide."]
