"""The 📎 marker in the folder lists: on messages carrying files, announced as « pièce jointe »,
computed in the listing's own query (no query per message)."""

import pytest
from django.urls import reverse

from lien.messaging import attachments, mailbox, services
from lien.messaging.models import Delivery
from lien.messaging.tests import attachment_fixtures as files
from lien.messaging.tests.attachment_fixtures import upload
from lien.messaging.tests.mailbox_fixtures import count_queries, delivery, send

MARKER = (
    '<span class="attachment-marker" title="pièce jointe"><span aria-hidden="true">📎</span>'
    '<span class="visually-hidden">pièce jointe</span></span>'
)
INBOX = reverse("messaging:inbox")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def attach(message):
    attachments.do_attach(message, attachments.check_attachments([upload("a.pdf", files.PDF)]))
    return message


def marked(response) -> dict[str, bool]:
    return {row.subject: row.has_attachments for row in response.context["rows"]}


def test_the_inbox_marks_messages_with_files(cast, login):
    attach(send(cast.a.teacher, cast.a.parent, subject="Avec"))
    send(cast.a.teacher, cast.a.parent, subject="Sans")
    response = login(cast.a.parent).get(INBOX)
    assert marked(response) == {"Avec": True, "Sans": False}
    assert response.content.decode().count(MARKER) == 1


def test_sent_drafts_archive_trash_and_search_mark_them_too(cast, login):
    with_file = attach(send(cast.a.teacher, cast.a.parent, subject="Sortie avec fichier"))
    send(cast.a.teacher, cast.a.parent, subject="Sortie sans fichier")
    draft = services.do_save_draft(
        cast.a.teacher.user,
        cast.a.establishment,
        services.Draft(subject="Brouillon", body="", addresses=[]),
    )
    attach(draft)
    teacher = login(cast.a.teacher)
    assert marked(teacher.get(reverse("messaging:sent"))) == {
        "Sortie avec fichier": True,
        "Sortie sans fichier": False,
    }
    assert marked(teacher.get(reverse("messaging:drafts"))) == {"Brouillon": True}
    assert marked(teacher.get(reverse("messaging:search"), {"q": "Sortie"})) == {
        "Sortie avec fichier": True,
        "Sortie sans fichier": False,
    }
    mailbox.check_bulk_action(cast.a.teacher.user, mailbox.TO_TRASH, [with_file.code], {"trash"})
    assert marked(teacher.get(reverse("messaging:trash"))) == {"Sortie avec fichier": True}

    parent = login(cast.a.parent)
    assert marked(parent.get(reverse("messaging:search"), {"q": "Sortie"})) == {
        "Sortie avec fichier": True,
        "Sortie sans fichier": False,
    }
    services.do_move(delivery(with_file, cast.a.parent), Delivery.Box.ARCHIVE)
    assert marked(parent.get(reverse("messaging:archive"))) == {"Sortie avec fichier": True}
    services.do_move(delivery(with_file, cast.a.parent), Delivery.Box.TRASH)
    assert marked(parent.get(reverse("messaging:trash"))) == {"Sortie avec fichier": True}


def test_the_inbox_queries_do_not_grow_with_messages_carrying_files(cast, login):
    def receive(count):
        for number in range(count):
            attach(send(cast.a.direction, cast.a.parent, subject=f"Message {number}"))

    receive(2)
    client = login(cast.a.parent)
    with_two = count_queries(client, INBOX)
    receive(18)
    assert count_queries(client, INBOX) == with_two


def test_the_sent_list_queries_do_not_grow_with_messages_carrying_files(cast, login):
    def write(count):
        for number in range(count):
            attach(send(cast.a.teacher, cast.a.parent, subject=f"Message {number}"))

    write(2)
    client = login(cast.a.teacher)
    with_two = count_queries(client, reverse("messaging:sent"))
    write(18)
    assert count_queries(client, reverse("messaging:sent")) == with_two
