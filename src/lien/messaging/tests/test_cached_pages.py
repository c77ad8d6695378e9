"""The inbox, a message and the unread badge are cached per user (lien.core.fragments): a page
seen again costs less, and every change shows at once, to its user only."""

import re
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lien.messaging import mailbox, notifications, safety, services
from lien.messaging.models import Message
from lien.messaging.tests.mailbox_fixtures import class_parents, send

INBOX = reverse("messaging:inbox")


def page(client, url=INBOX) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which are masked afresh at each rendering."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def queries_of(client, url=INBOX) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, url)
    return len(captured.captured_queries)


def message_url(message) -> str:
    return reverse("messaging:message", args=[message.code])


def test_a_page_seen_again_unchanged_costs_fewer_queries_and_reads_the_same(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Réunion")
    client = login(cast.a.parent)
    first = page(client)  # also loads the session
    with CaptureQueriesContext(connection) as cold:
        services.do_empty_trash(cast.a.parent.user)  # a change: the next page is built again
        rebuilt = page(client)
    assert queries_of(client) < len(cold.captured_queries) - 1
    assert without_tokens(page(client)) == without_tokens(rebuilt) == without_tokens(first)


def test_a_new_message_shows_at_once_in_the_inbox_and_the_badge(cast, login):
    client = login(cast.a.parent)
    assert "Sortie scolaire" not in page(client)
    send(cast.a.teacher, cast.a.parent, subject="Sortie scolaire")
    body = page(client)
    assert "Sortie scolaire" in body
    assert '<span class="badge">1<span class="visually-hidden"> non lu</span>' in body


def test_reading_a_message_updates_the_inbox_and_the_senders_read_count(cast, login):
    message = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Photos")
    teacher = login(cast.a.teacher)
    assert "0 / 2 lus" in page(teacher, message_url(message))
    parent = Client()
    parent.force_login(cast.a.parent.user)
    assert "<strong>Photos</strong>" in page(parent)
    page(parent, message_url(message))
    assert "<strong>Photos</strong>" not in page(parent)
    assert "Photos" in page(parent)
    assert "1 / 2 lus" in page(teacher, message_url(message))


def test_moving_and_folders_show_at_once(cast, login):
    message = send(cast.a.teacher, cast.a.parent, subject="Cantine")
    client = login(cast.a.parent)
    assert "Cantine" in page(client)
    folder = mailbox.check_create_folder(cast.a.parent.user, "École")
    assert "École" in page(client)  # the side navigation and the move actions
    mailbox.check_bulk_action(
        cast.a.parent.user,
        f"{mailbox.MOVE_PREFIX}{folder.code}",
        [message.code],
        {mailbox.MOVE_PREFIX},
    )
    assert "Cantine" not in page(client)
    folder_url = reverse("messaging:folder", args=[folder.code])
    assert "Cantine" in page(client, folder_url)
    mailbox.check_rename_folder(cast.a.parent.user, folder, "Collège")
    assert "<h1>Collège</h1>" in page(client, folder_url)


def test_a_recalled_message_leaves_the_recipients_pages_at_once(cast, login):
    message = send(cast.a.teacher, cast.a.parent, subject="Erreur d'envoi")
    client = login(cast.a.parent)
    assert "Erreur d&#x27;envoi" in page(client)
    services.check_recall(cast.a.teacher.user, message)
    assert "Erreur d&#x27;envoi" not in page(client)
    assert client.get(message_url(message)).status_code == 404


def test_a_locked_conversation_loses_its_reply_button_at_once(cast, login):
    message = send(cast.a.teacher, cast.a.parent, subject="Insultes")
    client = login(cast.a.parent)
    reply = reverse("messaging:reply", args=[message.code])
    assert reply in page(client, message_url(message))
    report = safety.check_report(cast.a.parent.user, message, "Propos déplacés")
    safety.check_lock(cast.a.direction.user, report)
    assert reply not in page(client, message_url(message))


def test_a_scheduled_message_shows_once_the_sweep_finds_it_due(cast, login):
    message = send(
        cast.a.teacher, cast.a.parent, subject="Rappel", send_at=timezone.now() + timedelta(hours=1)
    )
    client = login(cast.a.parent)
    assert "Rappel" not in page(client)
    # The hour has passed; nothing was written since, but the periodic sweep runs.
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - timedelta(seconds=1))
    notifications.notify_due()
    assert "Rappel" in page(client)


def test_nobody_gets_anothers_cached_page(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Pour le parent")
    send(cast.a.teacher, cast.a.classmate_parent, subject="Pour l'autre famille")
    parent = login(cast.a.parent)
    assert "Pour le parent" in page(parent)
    other = Client()
    other.force_login(cast.a.classmate_parent.user)
    body = page(other)
    assert "Pour le parent" not in body
    assert "Pour l&#x27;autre famille" in body


def test_a_cached_form_carries_a_token_each_session_accepts(cast):
    message = send(cast.a.teacher, cast.a.parent, subject="Deux appareils")
    phone, computer = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (phone, computer):
        client.force_login(cast.a.parent.user)
        page(client, reverse("accounts:security"))  # a first page sets the CSRF cookie
    page(phone)  # the listing, with its form, cached for the phone's session
    body = page(computer)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    response = computer.post(
        INBOX,
        {"csrfmiddlewaretoken": token, "action": mailbox.TO_ARCHIVE, "message": [message.code]},
    )
    assert response.status_code == 302
    assert "Deux appareils" not in page(computer)


def test_the_language_is_part_of_the_cached_page(cast, login):
    client = login(cast.a.parent)
    assert "Boîte de réception" in page(client)
    client.cookies["django_language"] = "en"
    assert "Inbox" in page(client)


def test_opening_an_unread_message_shows_the_badge_without_it_at_once(cast, login):
    message = send(cast.a.teacher, cast.a.parent, subject="Cantine")
    client = login(cast.a.parent)
    assert '<span class="badge">1<span class="visually-hidden"> non lu</span>' in page(client)
    opened = page(client, message_url(message))
    assert "non lu</span>" not in opened  # neither the header nor the side navigation
