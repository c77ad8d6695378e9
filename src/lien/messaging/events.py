"""The messaging's real-time events, and who gets them (see lien.core.realtime).

- `message_received`, to each recipient when a message reaches their inbox (sent now, or a
  scheduled one when it becomes due):
  `{"type": "message", "op": "received", "unread_count": 3,
    "message": {"code", "subject", "sender", "sent_at", "url"}}`
- `message_read`, to the sender when a recipient reads (or marks unread) one of their messages:
  `{"type": "message", "op": "read", "code": "…", "read": 1, "total": 2}`
- `unread_count`, to a user whose unread count may have changed (they read, marked unread or
  moved messages; a message they had was recalled):
  `{"type": "unread_count", "op": "update", "unread_count": 2}`

The `notify_*` functions are called by the services inside their transaction and send after the
commit; the `publish_*` ones run after it (in a background task for the fan-outs) and make a
fixed number of queries, whatever the number of recipients.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from lien.core import fragments, realtime
from lien.messaging.models import Delivery, Message

Box = Delivery.Box


# --- Event builders -----------------------------------------------------------------------------


def message_summary(message: Message) -> dict:
    """What a page needs to show a new line in the inbox (the message needs its sender)."""
    return {
        "code": str(message.code),
        "subject": message.subject,
        "sender": message.sender.get_full_name() or message.sender.username,
        "sent_at": timezone.localtime(message.sent_at).isoformat(),
        "url": reverse("messaging:message", args=[message.code]),
    }


def message_received(summary: dict, unread_count: int) -> dict:
    return {"type": "message", "op": "received", "unread_count": unread_count, "message": summary}


def message_read(code, read: int, total: int) -> dict:
    return {"type": "message", "op": "read", "code": str(code), "read": read, "total": total}


def unread_count(count: int) -> dict:
    return {"type": "unread_count", "op": "update", "unread_count": count}


# --- Counts, a fixed number of queries for any number of users ---------------------------------


def unread_counts(users, now=None) -> dict[int, int]:
    """{user id: unread count} for these users (ids, or a queryset of ids), in one query.

    The same count as `services.unread_count`: visible messages, unread, in the inbox."""
    rows = (
        Delivery.objects.filter(
            recipient__in=users,
            box=Box.INBOX,
            read_at__isnull=True,
            message__sent_at__lte=now or timezone.now(),
            message__recalled_at__isnull=True,
        )
        .values("recipient_id")
        .annotate(count=Count("pk"))
        .values_list("recipient_id", "count")
    )
    return dict(rows)


def read_count_events(message_ids: Iterable[int]) -> realtime.Batch:
    """A `message_read` event for the sender of each of these messages (one query)."""
    rows = (
        Message.objects.filter(pk__in=list(message_ids), sent_at__isnull=False)
        .annotate(
            read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
            total=Count("deliveries"),
        )
        .values_list("code", "sender_id", "read", "total")
    )
    return [(message_read(code, read, total), [sender]) for code, sender, read, total in rows]


def unread_count_events(user_ids: Iterable[int]) -> realtime.Batch:
    user_ids = list(user_ids)
    counts = unread_counts(user_ids)
    return [(unread_count(counts.get(user_id, 0)), [user_id]) for user_id in user_ids]


# --- After the commit ---------------------------------------------------------------------------


def publish_message_received(deliveries: QuerySet[Delivery], now=None) -> int:
    """Send `message_received` to the recipients of these deliveries that are in their inbox
    and visible now (a scheduled message waits, a recalled one is gone). Three queries for any
    number of deliveries. Returns the number of events sent."""
    now = now or timezone.now()
    visible = deliveries.filter(
        box=Box.INBOX, message__sent_at__lte=now, message__recalled_at__isnull=True
    )
    pairs = list(visible.values_list("recipient_id", "message_id").order_by("message_id", "pk"))
    if not pairs:
        return 0
    # Also for a scheduled message that has just become due: nothing else was written.
    fragments.touch(user_id for user_id, _message_id in pairs)
    summaries = {
        message.pk: message_summary(message)
        for message in Message.objects.filter(pk__in={mid for _uid, mid in pairs}).select_related(
            "sender"
        )
    }
    counts = unread_counts(visible.values("recipient_id"), now)
    return realtime.send_events(
        (message_received(summaries[message_id], counts.get(user_id, 0)), [user_id])
        for user_id, message_id in pairs
    )


def publish_new_message(message_pk: int) -> int:
    """The fan-out of a message sent now: every recipient's open pages hear of it. Run by the
    task of the same name, queued by `services.do_send` after the commit (a Celery task in
    production, inline in the embedded mode), so that the sender doesn't wait for it."""
    return publish_message_received(Delivery.objects.filter(message_id=message_pk))


def publish_recipients_unread_counts(message_pk: int) -> int:
    """Every recipient of a message gets their unread count (after a recall)."""
    recipients = Delivery.objects.filter(message_id=message_pk).values("recipient_id")
    counts = unread_counts(recipients)
    return realtime.send_events(
        (unread_count(counts.get(user_id, 0)), [user_id])
        for user_id in recipients.values_list("recipient_id", flat=True)
    )


# --- Inside the services' transactions ----------------------------------------------------------


def notify_recalled(message: Message) -> None:
    """A recalled message leaves its recipients' inboxes: their unread counts change."""
    from lien.messaging import tasks

    fragments.touch([message.sender_id, *message.deliveries.values_list("recipient_id", flat=True)])
    _delay_on_commit(tasks.publish_recipients_unread_counts, message.pk)


def notify_read_changed(reader_id: int, message_ids: Iterable[int]) -> None:
    """A recipient read (or marked unread) these messages: each sender sees the read count,
    the reader their unread count."""
    message_ids = list(message_ids)
    senders = Message.objects.filter(pk__in=message_ids).values_list("sender_id", flat=True)
    fragments.touch([reader_id, *senders])
    realtime.send_events_on_commit(
        lambda: [*read_count_events(message_ids), *unread_count_events([reader_id])]
    )


def notify_unread_changed(user_id: int) -> None:
    """The user's unread count may have changed (messages moved in or out of the inbox)."""
    fragments.touch([user_id])
    realtime.send_events_on_commit(lambda: unread_count_events([user_id]))


def _delay_on_commit(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args), robust=True)
