"""The folder pages: inbox, sent, drafts, archives, the user's own folders."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lien.messaging import mailbox, services
from lien.messaging.models import Delivery, Folder, Message
from lien.messaging.tests.mailbox_fixtures import (
    class_parents,
    count_queries,
    delivery,
    send,
    subjects,
    to,
)

INBOX = reverse("messaging:inbox")
SENT = reverse("messaging:sent")
DRAFTS = reverse("messaging:drafts")
ARCHIVE = reverse("messaging:archive")
TRASH = reverse("messaging:trash")


@pytest.mark.parametrize("url", [INBOX, SENT, DRAFTS, ARCHIVE, TRASH])
def test_every_folder_requires_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_inbox_lists_received_messages_newest_first(cast, login):
    first = send(cast.a.teacher, cast.a.parent, subject="Première")
    second = send(cast.a.direction, cast.a.parent, subject="Seconde")
    Message.objects.filter(pk=first.pk).update(sent_at=timezone.now() - timedelta(hours=2))
    Message.objects.filter(pk=second.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    response = login(cast.a.parent).get(INBOX)
    assert response.status_code == 200
    assert subjects(response) == ["Seconde", "Première"]
    rows = response.context["rows"]
    assert [row.correspondent for row in rows] == [
        cast.a.direction.user.get_full_name(),
        cast.a.teacher.user.get_full_name(),
    ]


def test_unread_messages_are_bold_and_announced(cast, login):
    read = send(cast.a.teacher, cast.a.parent, subject="Déjà lu")
    services.do_mark_read(delivery(read, cast.a.parent))
    send(cast.a.teacher, cast.a.parent, subject="Pas encore lu")
    body = login(cast.a.parent).get(INBOX).content.decode()
    assert "<strong>Pas encore lu</strong>" in body
    assert "<strong>Déjà lu</strong>" not in body
    assert body.count('<span class="visually-hidden">Non lu : </span>') == 1


def test_inbox_shows_only_the_users_own_visible_messages(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Pour moi")
    send(cast.a.teacher, cast.a.classmate_parent, subject="Pour une autre famille")
    send(cast.b.teacher, cast.b.parent, subject="Autre établissement")
    send(
        cast.a.teacher,
        cast.a.parent,
        subject="Programmé",
        send_at=timezone.now() + timedelta(hours=1),
    )
    recalled = send(cast.a.teacher, cast.a.parent, subject="Rappelé")
    services.check_recall(cast.a.teacher.user, recalled)
    archived = send(cast.a.teacher, cast.a.parent, subject="Archivé")
    services.do_move(delivery(archived, cast.a.parent), Delivery.Box.ARCHIVE)
    assert subjects(login(cast.a.parent).get(INBOX)) == ["Pour moi"]
    assert subjects(login(cast.a.parent).get(ARCHIVE)) == ["Archivé"]


def test_inbox_is_paginated_25_per_page_with_page_links(cast, login):
    for number in range(27):
        send(cast.a.teacher, cast.a.parent, subject=f"Message {number:02d}")
    client = login(cast.a.parent)
    first_page = client.get(INBOX)
    assert len(first_page.context["rows"]) == 25
    assert first_page.context["rows"][0].subject == "Message 26"
    body = first_page.content.decode()
    assert '<a href="?page=2" rel="next">Page suivante</a>' in body
    assert '<a href="?page=1" aria-current="page">1</a>' in body
    second_page = client.get(INBOX, {"page": 2})
    assert subjects(second_page) == ["Message 01", "Message 00"]
    assert client.get(INBOX, {"page": "abc"}).context["page_obj"].number == 1


def test_sent_shows_recipients_labels_and_read_counts(cast, login):
    message = send(
        cast.a.teacher,
        class_parents(cast.a.class_a),
        to(cast.a.other_teacher, field="cc"),
        subject="Sortie",
    )
    services.do_mark_read(delivery(message, cast.a.parent))
    response = login(cast.a.teacher).get(SENT)
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row.correspondent == f"Parents de 2nde A, {cast.a.other_teacher.user.get_full_name()}"
    assert (row.read_count, row.recipient_count) == (1, 3)
    assert "1 / 3 lus" in response.content.decode()


def test_sent_shows_scheduled_and_recalled_messages_with_their_state(cast, login):
    send(
        cast.a.teacher,
        cast.a.parent,
        subject="Demain",
        send_at=timezone.now() + timedelta(days=1),
    )
    recalled = send(cast.a.teacher, cast.a.parent, subject="Erreur")
    services.check_recall(cast.a.teacher.user, recalled)
    response = login(cast.a.teacher).get(SENT)
    rows = {row.subject: row for row in response.context["rows"]}
    assert set(rows) == {"Demain", "Erreur"}
    assert (rows["Demain"].is_scheduled, rows["Demain"].is_recalled) == (True, False)
    assert (rows["Erreur"].is_scheduled, rows["Erreur"].is_recalled) == (False, True)
    body = response.content.decode()
    assert '<span class="badge">programmé</span>' in body
    assert '<span class="badge badge-warn">rappelé</span>' in body


def test_sent_does_not_show_received_messages_or_other_senders(cast, login):
    send(cast.a.parent, cast.a.teacher, subject="Reçu")
    send(cast.a.other_teacher, cast.a.parent, subject="D'un collègue")
    send(cast.a.teacher, cast.a.parent, subject="Le mien")
    assert subjects(login(cast.a.teacher).get(SENT)) == ["Le mien"]


def test_drafts_link_to_the_compose_page(cast, login):
    draft = services.do_save_draft(
        cast.a.teacher.user,
        cast.a.establishment,
        services.Draft(subject="Brouillon", body="", addresses=[class_parents(cast.a.class_a)]),
    )
    send(cast.a.teacher, cast.a.parent, subject="Envoyé")
    services.do_save_draft(
        cast.a.other_teacher.user,
        cast.a.establishment,
        services.Draft(subject="Pas le mien", body="", addresses=[]),
    )
    response = login(cast.a.teacher).get(DRAFTS)
    assert subjects(response) == ["Brouillon"]
    assert response.context["rows"][0].correspondent == "Parents de 2nde A"
    body = response.content.decode()
    assert f'href="{reverse("messaging:edit-draft", args=[draft.code])}"' in body
    assert reverse("messaging:message", args=[draft.code]) not in body


def test_own_folder_lists_its_messages(cast, login):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Sorties")
    filed = send(cast.a.teacher, cast.a.parent, subject="Rangé")
    send(cast.a.teacher, cast.a.parent, subject="Pas rangé")
    services.do_move(delivery(filed, cast.a.parent), Delivery.Box.FOLDER, folder)
    response = login(cast.a.parent).get(reverse("messaging:folder", args=[folder.code]))
    assert response.status_code == 200
    assert subjects(response) == ["Rangé"]
    assert "<h1>Sorties</h1>" in response.content.decode()
    assert subjects(login(cast.a.parent).get(INBOX)) == ["Pas rangé"]


def test_another_users_folder_is_not_found(cast, login):
    folder = Folder.objects.create(owner=cast.a.classmate_parent.user, name="Privé")
    response = login(cast.a.parent).get(reverse("messaging:folder", args=[folder.code]))
    assert response.status_code == 404


def test_layout_lists_the_users_folders_and_the_compose_link(cast, login):
    mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    Folder.objects.create(owner=cast.a.classmate_parent.user, name="Secret")
    body = login(cast.a.parent).get(INBOX).content.decode()
    assert f'href="{reverse("messaging:compose")}">Nouveau message</a>' in body
    assert ">Cantine</a>" in body
    assert "Secret" not in body
    assert f'<a href="{INBOX}" aria-current="page">Boîte de réception' in body


def _send_many(sender, recipient, count, **draft):
    for number in range(count):
        send(sender, recipient, subject=f"Message {number}", **draft)


def test_inbox_queries_do_not_grow_with_the_number_of_messages(cast, login):
    mailbox.check_create_folder(cast.a.parent.user, "Dossier")
    _send_many(cast.a.teacher, cast.a.parent, 2)
    client = login(cast.a.parent)
    with_two = count_queries(client, INBOX)
    _send_many(cast.a.direction, cast.a.parent, 18)
    assert count_queries(client, INBOX) == with_two


def test_sent_queries_do_not_grow_with_the_number_of_messages(cast, login):
    _send_many(cast.a.teacher, class_parents(cast.a.class_a), 2)
    client = login(cast.a.teacher)
    with_two = count_queries(client, SENT)
    _send_many(cast.a.teacher, class_parents(cast.a.class_a), 18)
    assert count_queries(client, SENT) == with_two


def test_drafts_queries_do_not_grow_with_the_number_of_drafts(cast, login):
    def save_drafts(count):
        for number in range(count):
            services.do_save_draft(
                cast.a.teacher.user,
                cast.a.establishment,
                services.Draft(
                    subject=f"B{number}", body="", addresses=[class_parents(cast.a.class_a)]
                ),
            )

    save_drafts(2)
    client = login(cast.a.teacher)
    with_two = count_queries(client, DRAFTS)
    save_drafts(18)
    assert count_queries(client, DRAFTS) == with_two
