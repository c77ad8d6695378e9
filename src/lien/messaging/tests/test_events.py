"""The messaging's real-time events (events.py): who gets which event, with what, and when.

Events are captured where they would be handed to the channel layer, after the commit."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lien.core.demo import SchoolBuilder
from lien.core.models import Profile
from lien.core.realtime import capture_send_event_calls
from lien.messaging import events, mailbox, services, tasks
from lien.messaging.models import Address, Delivery, Message
from lien.messaging.tests.mailbox_fixtures import class_parents, delivery, send, to

Box = Delivery.Box
INBOX = reverse("messaging:inbox")


@pytest.fixture
def sent_events(django_capture_on_commit_callbacks):
    """`with sent_events() as captured:` runs the on-commit callbacks of the block and records
    the events they send."""

    @contextmanager
    def capture():
        with (
            capture_send_event_calls() as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield captured

    return capture


def by_user(captured) -> dict[int, list[dict]]:
    """{user id: [events]}; each captured call must address one user (per-user events)."""
    found: dict[int, list[dict]] = {}
    for call in captured:
        assert len(call["users"]) == 1
        found.setdefault(call["users"][0], []).append(call["event"])
    return found


def received(message, unread_count) -> dict:
    return {
        "type": "message",
        "op": "received",
        "unread_count": unread_count,
        "message": {
            "code": str(message.code),
            "subject": message.subject,
            "sender": message.sender.get_full_name(),
            "sent_at": timezone.localtime(message.sent_at).isoformat(),
            "url": f"/messagerie/messages/{message.code}/",
        },
    }


def read(message, count, total) -> dict:
    return {
        "type": "message",
        "op": "read",
        "code": str(message.code),
        "read": count,
        "total": total,
    }


def unread(count) -> dict:
    return {"type": "unread_count", "op": "update", "unread_count": count}


# --- message_received ---------------------------------------------------------------------------


def test_a_message_sent_now_reaches_each_recipient_with_their_unread_count(cast, sent_events):
    send(cast.a.direction, cast.a.parent, subject="Réunion")  # already unread, before
    with sent_events() as captured:
        message = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")
    parent, other_parent = cast.a.parent.user, cast.a.classmate_parent.user
    assert by_user(captured) == {
        parent.pk: [received(message, 2)],
        other_parent.pk: [received(message, 1)],
    }
    assert received(message, 2)["message"]["sender"] == cast.a.teacher.user.get_full_name()


def test_bcc_recipients_get_it_too_and_nobody_learns_who_else_did(cast, sent_events):
    with sent_events() as captured:
        message = send(
            cast.a.teacher, to(cast.a.parent), to(cast.a.direction, field="bcc"), subject="Cci"
        )
    assert by_user(captured) == {
        cast.a.parent.user.pk: [received(message, 1)],
        cast.a.direction.user.pk: [received(message, 1)],
    }
    assert cast.a.teacher.user.pk not in by_user(captured)


def test_nothing_is_sent_before_the_commit(cast, django_capture_on_commit_callbacks):
    with capture_send_event_calls() as captured:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            send(cast.a.teacher, cast.a.parent)
        assert captured == []
        for callback in callbacks:
            callback()
    assert [call["users"] for call in captured] == [[cast.a.parent.user.pk]]


def test_nothing_is_sent_when_the_send_rolls_back(cast, sent_events):
    with sent_events() as captured, pytest.raises(RuntimeError), transaction.atomic():
        send(cast.a.teacher, cast.a.parent)
        raise RuntimeError("the request failed after the send")
    assert captured == []
    assert not Message.objects.exists()


def test_a_scheduled_message_is_announced_once_when_it_becomes_due(cast, sent_events):
    with sent_events() as captured:
        message = send(
            cast.a.teacher,
            cast.a.parent,
            subject="Programmé",
            send_at=timezone.now() + timedelta(hours=2),
        )
        tasks.send_due_notifications.apply().get()
    assert captured == []
    # Two hours later, the periodic sweep runs (twice: a retry, or a second worker).
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - timedelta(seconds=5))
    message.refresh_from_db()
    with capture_send_event_calls() as first:
        tasks.send_due_notifications.apply().get()
    with capture_send_event_calls() as second:
        tasks.send_due_notifications.apply().get()
    assert by_user(first) == {cast.a.parent.user.pk: [received(message, 1)]}
    assert second == []


def test_the_sweep_leaves_out_what_was_read_or_recalled_meanwhile(cast):
    read_first = send(cast.a.teacher, cast.a.parent, subject="Lu")
    services.do_mark_read(delivery(read_first, cast.a.parent))
    recalled = send(cast.a.teacher, cast.a.classmate_parent, subject="Rappelé")
    services.check_recall(cast.a.teacher.user, recalled)
    with capture_send_event_calls() as captured:
        tasks.send_due_notifications.apply().get()
    assert captured == []


def test_the_fan_out_makes_the_same_queries_for_2_and_for_40_recipients(cast):
    small = send(cast.a.teacher, class_parents(cast.a.class_a))
    builder = SchoolBuilder(seed=5)
    users = builder.create_users([builder.person() for _ in range(40)])
    school = cast.a.establishment
    Profile.objects.bulk_create(
        Profile(user=u, role=Profile.Role.STAFF, staff_function="school_life", establishment=school)
        for u in users
    )
    large = send(cast.a.direction, Address(kind=Address.Kind.STAFF), subject="Tous")
    counts = []
    for message in (small, large):
        with capture_send_event_calls() as captured, CaptureQueriesContext(connection) as queries:
            events.publish_new_message(message.pk)
        counts.append((len(captured), len(queries.captured_queries)))
    assert counts[0][0] == 2
    assert counts[1][0] == 40 + 3  # the new staff and the three others of the cast
    assert counts[0][1] == counts[1][1]


# --- message_read and unread_count --------------------------------------------------------------


def test_opening_a_message_moves_the_senders_read_count(cast, login, sent_events):
    message = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")
    client = login(cast.a.parent)
    with sent_events() as captured:
        response = client.get(reverse("messaging:message", args=[message.code]))
    assert response.status_code == 200
    assert by_user(captured) == {
        cast.a.teacher.user.pk: [read(message, 1, 2)],
        cast.a.parent.user.pk: [unread(0)],
    }
    # Opened again: nothing changed, nothing sent.
    with sent_events() as captured:
        client.get(reverse("messaging:message", args=[message.code]))
    assert captured == []


def test_the_sender_opening_their_own_message_sends_nothing(cast, login, sent_events):
    message = send(cast.a.teacher, cast.a.parent)
    with sent_events() as captured:
        login(cast.a.teacher).get(reverse("messaging:message", args=[message.code]))
    assert captured == []


def test_mark_unread_from_the_message_page(cast, login, sent_events):
    message = send(cast.a.teacher, class_parents(cast.a.class_a))
    services.do_mark_read(delivery(message, cast.a.parent))
    with sent_events() as captured:
        login(cast.a.parent).post(reverse("messaging:mark-unread", args=[message.code]))
    assert by_user(captured) == {
        cast.a.teacher.user.pk: [read(message, 0, 2)],
        cast.a.parent.user.pk: [unread(1)],
    }


def test_mark_unread_of_someone_elses_message_sends_nothing(cast, login, sent_events):
    message = send(cast.a.teacher, cast.a.parent)
    services.do_mark_read(delivery(message, cast.a.parent))
    with sent_events() as captured:
        response = login(cast.a.classmate_parent).post(
            reverse("messaging:mark-unread", args=[message.code])
        )
    assert response.status_code == 404
    assert captured == []
    assert delivery(message, cast.a.parent).read_at is not None


def test_bulk_mark_read_tells_each_sender_and_the_reader(cast, login, sent_events):
    first = send(cast.a.teacher, cast.a.parent, subject="Un")
    second = send(cast.a.direction, cast.a.parent, subject="Deux")
    with sent_events() as captured:
        login(cast.a.parent).post(
            INBOX, {"action": mailbox.MARK_READ, "message": [str(first.code), str(second.code)]}
        )
    assert by_user(captured) == {
        cast.a.teacher.user.pk: [read(first, 1, 1)],
        cast.a.direction.user.pk: [read(second, 1, 1)],
        cast.a.parent.user.pk: [unread(0)],
    }


def test_archiving_updates_the_unread_count_only(cast, login, sent_events):
    first = send(cast.a.teacher, cast.a.parent, subject="Un")
    send(cast.a.teacher, cast.a.parent, subject="Deux")
    with sent_events() as captured:
        login(cast.a.parent).post(
            INBOX, {"action": mailbox.TO_ARCHIVE, "message": [str(first.code)]}
        )
    assert by_user(captured) == {cast.a.parent.user.pk: [unread(1)]}


def test_a_refused_bulk_action_sends_nothing(cast, login, sent_events):
    message = send(cast.a.teacher, cast.a.parent)
    with sent_events() as captured:
        login(cast.a.classmate_parent).post(
            INBOX, {"action": mailbox.MARK_READ, "message": [str(message.code)]}
        )
    assert captured == []
    assert delivery(message, cast.a.parent).read_at is None


def test_moving_one_message_updates_the_unread_count(cast, sent_events):
    message = send(cast.a.teacher, cast.a.parent)
    with sent_events() as captured:
        services.do_move(delivery(message, cast.a.parent), Box.ARCHIVE)
    assert by_user(captured) == {cast.a.parent.user.pk: [unread(0)]}


def test_deleting_a_folder_brings_its_messages_back_to_the_inbox_count(cast, sent_events):
    folder = mailbox.check_create_folder(cast.a.parent.user, "Cantine")
    message = send(cast.a.teacher, cast.a.parent)
    services.do_move(delivery(message, cast.a.parent), Box.FOLDER, folder)
    with sent_events() as captured:
        mailbox.do_delete_folder(cast.a.parent.user, folder)
    assert by_user(captured) == {cast.a.parent.user.pk: [unread(1)]}


def test_a_recalled_message_leaves_its_recipients_counts(cast, sent_events):
    message = send(cast.a.teacher, class_parents(cast.a.class_a))
    with sent_events() as captured:
        services.check_recall(cast.a.teacher.user, message)
    assert by_user(captured) == {
        cast.a.parent.user.pk: [unread(0)],
        cast.a.classmate_parent.user.pk: [unread(0)],
    }


def test_counts_are_read_after_the_commit(cast, sent_events):
    message = send(cast.a.teacher, class_parents(cast.a.class_a))
    with sent_events() as captured, transaction.atomic():
        services.do_mark_read(delivery(message, cast.a.parent))
        # Another recipient reads in the same transaction before it commits.
        services.do_mark_read(delivery(message, cast.a.classmate_parent))
    assert [call["event"] for call in captured if call["users"] == [cast.a.teacher.user.pk]] == [
        read(message, 2, 2),
        read(message, 2, 2),
    ]
