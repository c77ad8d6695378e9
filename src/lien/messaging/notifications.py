"""E-mail notifications of new messages: one e-mail per message, or one digest a day.

Work is claimed before it is done, so that running a task twice (a retry, two workers, the
periodic sweep after the on-commit task) sends each e-mail once:
- each delivery gets a `notified_at` when the notification step handles it (e-mail or not);
- each digest writes its (user, day) row before it is sent.
A mail server that fails is logged, never raised to the person who sent the message; the
deliveries it could not notify are released for the next sweep.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lien.messaging import events
from lien.messaging.models import Delivery, DigestLog, Message, NotificationPreference

logger = logging.getLogger(__name__)

# Deliveries older than this are never notified (a sweep that was down for days stays quiet).
NOTIFY_WINDOW = timedelta(hours=24)
DIGEST_WINDOW = timedelta(hours=24)
BATCH_SIZE = 500
Mode = NotificationPreference.Mode


def preference_for(user) -> NotificationPreference:
    """The user's preference; the default one (immediate, without the text) if never chosen."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user)


def do_save_preference(user, mode: str, include_body: bool) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"mode": mode, "include_body": include_body}
    )
    return preference


def message_url(message: Message) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("messaging:message", args=[message.code])


def site_url(name: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name)


# Immediate notifications --------------------------------------------------------------------


def notify_due(message_id: int | None = None, now=None) -> int:
    """Notify the recipients of every message now due (or of one message); returns the number
    of e-mails sent. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    sent = 0
    while True:
        claimed, to_email = _claim_batch(now, message_id)
        if not claimed:
            return sent
        sent_now, released = _send_notifications(to_email) if to_email else (0, False)
        sent += sent_now
        if released:
            # The mail server is down: leave the rest for the next sweep.
            return sent


def _claim_batch(now, message_id: int | None) -> tuple[int, list[Delivery]]:
    """Mark a batch of pending deliveries as handled; return how many, and those to e-mail."""
    pending = Delivery.objects.filter(
        notified_at__isnull=True,
        message__sent_at__lte=now,
        message__sent_at__gt=now - NOTIFY_WINDOW,
    )
    if message_id is not None:
        pending = pending.filter(message_id=message_id)
    with transaction.atomic():
        rows = list(
            pending.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not rows:
            return 0, []
        Delivery.objects.filter(pk__in=rows, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
    if message_id is None:
        # The sweep: the open pages of the recipients of scheduled messages now due show them
        # (a message sent at once was shown on commit). Shown when claimed, so once; pages
        # ignore a message they already show (claimed again after a mail failure).
        unread = Delivery.objects.filter(pk__in=rows, read_at__isnull=True)
        events.publish_message_received(unread, now=now)
    # Only those who asked for an e-mail at each message, and who have not read it already.
    return len(rows), list(
        Delivery.objects.filter(
            pk__in=rows,
            read_at__isnull=True,
            message__recalled_at__isnull=True,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .filter(
            Q(recipient__message_notification_preference__isnull=True)
            | Q(recipient__message_notification_preference__mode=Mode.IMMEDIATE)
        )
        .select_related("message__sender", "recipient__message_notification_preference")
    )


def _send_notifications(deliveries: list[Delivery]) -> tuple[int, bool]:
    """Send one e-mail per delivery over one connection; release the ones not sent when the
    server cannot be reached. Returns (sent, whether some were released)."""
    connection = get_connection()
    try:
        connection.open()
    except Exception:
        logger.exception("Mail server unreachable: %d notifications postponed", len(deliveries))
        _release(deliveries)
        return 0, True
    sent = 0
    unsent: list[Delivery] = []
    try:
        for index, delivery in enumerate(deliveries):
            try:
                new_message_email(delivery, connection).send()
            except smtplib.SMTPRecipientsRefused:
                # This address is refused: retrying would not help.
                logger.warning("Notification refused for user %s", delivery.recipient_id)
            except Exception:
                logger.exception("Could not send notifications: postponed")
                unsent = deliveries[index:]
                break
            else:
                sent += 1
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("Could not close the mail connection")
    _release(unsent)
    return sent, bool(unsent)


def _release(deliveries: list[Delivery]) -> None:
    if deliveries:
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
            notified_at=None
        )


def new_message_email(delivery: Delivery, connection=None) -> EmailMessage:
    message = delivery.message
    recipient = delivery.recipient
    preference = getattr(recipient, "message_notification_preference", None)
    sender_name = message.sender.get_full_name() or message.sender.username
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Nouveau message de %(sender)s : %(subject)s") % {
            "sender": sender_name,
            "subject": message.subject,
        }
        body = render_to_string(
            "messaging/email/new_message.txt",
            {
                "user": recipient,
                "sender_name": sender_name,
                "message": message,
                "message_url": message_url(message),
                "include_body": preference is not None and preference.include_body,
                "preferences_url": site_url("messaging:notification-preferences"),
            },
        )
    return EmailMessage(
        " ".join(subject.split()), body, to=[recipient.email], connection=connection
    )


# Daily digest -------------------------------------------------------------------------------


def send_daily_digests(now=None) -> int:
    """One e-mail per person who chose the digest and has unread messages received in the last
    24 hours (since their previous digest at most); never two for the same day. Returns the
    number of digests sent."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    since = now - DIGEST_WINDOW
    User = get_user_model()
    users = (
        User.objects.filter(
            is_active=True,
            message_notification_preference__mode=Mode.DAILY_DIGEST,
            deliveries__read_at__isnull=True,
            deliveries__box=Delivery.Box.INBOX,
            deliveries__message__sent_at__gt=since,
            deliveries__message__sent_at__lte=now,
            deliveries__message__recalled_at__isnull=True,
        )
        .exclude(email="")
        .exclude(pk__in=DigestLog.objects.filter(day=day).values("user_id"))
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for user in users.iterator(chunk_size=BATCH_SIZE):
        if _send_digest(user, day, since, now):
            sent += 1
    return sent


def _send_digest(user, day, since, now) -> bool:
    previous = DigestLog.objects.filter(user=user, day__lt=day).order_by("-day").first()
    if previous is not None:
        since = max(since, previous.created_at)
    deliveries = list(
        Delivery.objects.filter(
            recipient=user,
            read_at__isnull=True,
            box=Delivery.Box.INBOX,
            message__sent_at__gt=since,
            message__sent_at__lte=now,
            message__recalled_at__isnull=True,
        )
        .select_related("message__sender")
        .order_by("message__sent_at", "pk")
    )
    if not deliveries:
        return False
    try:
        with transaction.atomic():
            log = DigestLog.objects.create(user=user, day=day, message_count=len(deliveries))
    except IntegrityError:
        return False  # another run is sending (or sent) it
    try:
        digest_email(user, deliveries).send()
    except Exception:
        logger.exception("Could not send the daily digest to user %s", user.pk)
        # Not sent: a later run of the same day may try again.
        log.delete()
        return False
    return True


def digest_email(user, deliveries: list[Delivery]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        count = len(deliveries)
        subject = ngettext(
            "Lien : %(count)d nouveau message non lu",
            "Lien : %(count)d nouveaux messages non lus",
            count,
        ) % {"count": count}
        body = render_to_string(
            "messaging/email/digest.txt",
            {
                "user": user,
                "items": [
                    {
                        "message": delivery.message,
                        "sender_name": delivery.message.sender.get_full_name()
                        or delivery.message.sender.username,
                        "url": message_url(delivery.message),
                    }
                    for delivery in deliveries
                ],
                "inbox_url": site_url("messaging:inbox"),
                "preferences_url": site_url("messaging:notification-preferences"),
            },
        )
    return EmailMessage(subject, body, to=[user.email])
