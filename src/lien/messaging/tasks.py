"""Background jobs of the messaging: e-mail notifications (idempotent: run twice, send once)."""

from celery import shared_task

from lien.messaging import events, notifications


@shared_task
def notify_message(message_pk: int) -> int:
    """Queued when a message is sent (after commit): notify its recipients now."""
    return notifications.notify_due(message_id=message_pk)


@shared_task
def send_due_notifications() -> int:
    """Every minute (Celery beat): scheduled messages now due, and notifications postponed
    while the mail server was down."""
    return notifications.notify_due()


@shared_task
def send_message_digests() -> int:
    """Every evening (Celery beat): the daily digest of those who chose it."""
    return notifications.send_daily_digests()


@shared_task
def publish_new_message(message_pk: int) -> int:
    """Queued when a message is sent (after commit): its recipients' open pages show it."""
    return events.publish_new_message(message_pk)


@shared_task
def publish_recipients_unread_counts(message_pk: int) -> int:
    """Queued when a message is recalled (after commit): its recipients' unread counts."""
    return events.publish_recipients_unread_counts(message_pk)
