"""Every write of the messaging domain (check_* authorizes, do_* writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lien.core import fragments
from lien.messaging import events, policy, safety, tasks
from lien.messaging.models import Address, Conversation, Delivery, Message, MessagingRules
from lien.messaging.recipients import resolve

SUBJECT_MAX_LENGTH = 200
BATCH_SIZE = 1000
Kind = Address.Kind


@dataclass
class Draft:
    """What the compose form holds: the addresses are unsaved `Address` objects."""

    subject: str
    body: str
    addresses: list[Address]
    is_no_reply: bool = False
    send_at: datetime | None = None
    in_reply_to: Message | None = None
    idempotency_key: str = ""


def address_target(address: Address):
    if address.kind == Kind.USER:
        return address.user
    if address.kind == Kind.STAFF:
        return None
    return address.school_class if address.school_class_id else address.group


def check_addresses(sender, establishment, draft: Draft) -> None:
    """Raise ValidationError (in the user's language) or PermissionDenied for a bad list."""
    if not draft.addresses:
        raise ValidationError(_("Ajoutez au moins un destinataire."))
    replying_to = draft.in_reply_to.sender_id if draft.in_reply_to else None
    for address in draft.addresses:
        if address.kind == Kind.USER:
            user = address.user
            if user is None or not user.is_active:
                raise ValidationError(
                    _("Ce destinataire n'a plus de compte actif : retirez-le de la liste.")
                )
            if (
                draft.in_reply_to is not None
                and user.pk == replying_to
                and may_reply(sender, draft.in_reply_to)
            ):
                continue
            if not policy.can_write_to(sender, user):
                raise PermissionDenied(
                    _("Vous ne pouvez pas écrire à %(name)s.") % {"name": user.get_full_name()}
                )
        else:
            target = establishment if address.kind == Kind.STAFF else address_target(address)
            if target is None or getattr(target, "establishment_id", establishment.pk) != (
                establishment.pk
            ):
                raise PermissionDenied(_("Cette liste n'appartient pas à votre établissement."))
            if not policy.can_address_list(sender, address.kind, target):
                raise PermissionDenied(_("Vous ne pouvez pas écrire à cette liste."))


def check_send(sender, establishment, draft: Draft, message: Message | None = None) -> Message:
    """Validate, authorize and send (or schedule). A draft `message` is sent in place."""
    suspension = policy.sending_suspension(sender)
    if suspension is not None:
        raise PermissionDenied(
            _("L'envoi de messages est suspendu pour votre profil : %(reason)s")
            % {"reason": suspension.reason}
        )
    safety.check_rate_limit(sender)
    subject = draft.subject.strip()
    if not subject:
        raise ValidationError(_("Donnez un objet à votre message."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValidationError(
            _("L'objet est trop long (%(max)d caractères au plus).") % {"max": SUBJECT_MAX_LENGTH}
        )
    if not draft.body.strip():
        raise ValidationError(_("Le message est vide."))
    if draft.in_reply_to is not None and not may_reply(sender, draft.in_reply_to):
        raise PermissionDenied(_("Vous ne pouvez pas répondre à ce message."))
    if draft.is_no_reply and not policy.may_send_no_reply(sender, establishment):
        raise PermissionDenied(
            _("Seuls les personnels et enseignants envoient des messages sans réponse.")
        )
    check_addresses(sender, establishment, draft)
    if draft.send_at is not None and draft.send_at <= timezone.now():
        raise ValidationError(_("La date d'envoi programmé doit être dans le futur."))
    return do_send(sender, establishment, draft, message)


def do_send(sender, establishment, draft: Draft, message: Message | None = None) -> Message:
    """Store the message once and one delivery row per recipient, in bulk.

    A second call with the same idempotency key returns the message already sent.
    """
    if draft.idempotency_key:
        existing = Message.objects.filter(
            sender=sender, idempotency_key=draft.idempotency_key, sent_at__isnull=False
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            message = _save_message(sender, establishment, draft, message)
            message.sent_at = draft.send_at or timezone.now()
            recipients = resolve(list(message.addresses.all()), exclude_user_id=sender.pk)
            if not recipients:
                raise ValidationError(_("Aucun destinataire actif dans ces listes."))
            Delivery.objects.bulk_create(
                (
                    Delivery(message=message, recipient_id=user_id, field=field)
                    for user_id, field in recipients.items()
                ),
                batch_size=BATCH_SIZE,
            )
            message.recipient_count = len(recipients)
            message.save(update_fields=["sent_at", "recipient_count", "idempotency_key"])
            fragments.touch(recipients.keys())
            if draft.send_at is None:
                # A scheduled message is notified by the periodic sweep once it is due.
                transaction.on_commit(partial(_enqueue_notifications, message.pk), robust=True)
    except IntegrityError:
        # The same key raced in from a double click: the other request sent it.
        return Message.objects.get(sender=sender, idempotency_key=draft.idempotency_key)
    return message


def _enqueue_notifications(message_pk: int) -> None:
    # In the background (inline in the embedded mode), so that a message to 2,000 people
    # doesn't make its sender wait: first the recipients' open pages, then the e-mails.
    tasks.publish_new_message.delay(message_pk)
    tasks.notify_message.delay(message_pk)


def do_save_draft(sender, establishment, draft: Draft, message: Message | None = None) -> Message:
    """Save (or update) a draft: nothing is checked but ownership, nothing is lost."""
    with transaction.atomic():
        return _save_message(sender, establishment, draft, message)


def _save_message(sender, establishment, draft: Draft, message: Message | None) -> Message:
    if message is not None and (message.sender_id != sender.pk or not message.is_draft):
        raise PermissionDenied(_("Ce brouillon n'est pas le vôtre."))
    subject = draft.subject.strip()[:SUBJECT_MAX_LENGTH]
    if message is None:
        conversation = (
            draft.in_reply_to.conversation
            if draft.in_reply_to
            else Conversation.objects.create(establishment=establishment, subject=subject)
        )
        message = Message(conversation=conversation, establishment=establishment, sender=sender)
    message.subject = subject
    message.body = draft.body
    message.is_no_reply = draft.is_no_reply
    message.in_reply_to = draft.in_reply_to
    message.idempotency_key = draft.idempotency_key
    message.save()
    fragments.touch([sender.pk])  # their drafts or their sent messages
    message.addresses.all().delete()
    for address in draft.addresses:
        address.pk = None
        address.message = message
    Address.objects.bulk_create(draft.addresses)
    return message


def may_reply(user, message: Message) -> bool:
    """The recipients of a message (and its sender) may answer it, unless the sender asked for
    no reply or staff locked the conversation."""
    if message.conversation.locked_at is not None or message.recalled_at is not None:
        return False
    if message.sender_id == user.pk:
        return True
    if message.is_no_reply:
        return False
    return Delivery.objects.filter(message=message, recipient=user).exists()


def visible_deliveries(user):
    """The messages a user has received and may see now (scheduled ones wait, recalled go)."""
    return Delivery.objects.filter(
        recipient=user,
        message__sent_at__lte=timezone.now(),
        message__recalled_at__isnull=True,
    )


def unread_count(user) -> int:
    return visible_deliveries(user).filter(box=Delivery.Box.INBOX, read_at__isnull=True).count()


def do_mark_read(delivery: Delivery, read: bool = True) -> None:
    delivery.read_at = timezone.now() if read else None
    delivery.save(update_fields=["read_at"])
    events.notify_read_changed(delivery.recipient_id, [delivery.message_id])


def do_move(delivery: Delivery, box: str, folder=None) -> None:
    if folder is not None and folder.owner_id != delivery.recipient_id:
        raise PermissionDenied(_("Ce dossier n'est pas le vôtre."))
    delivery.box = box
    delivery.folder = folder if box == Delivery.Box.FOLDER else None
    delivery.save(update_fields=["box", "folder"])
    events.notify_unread_changed(delivery.recipient_id)


def do_empty_trash(user) -> int:
    fragments.touch([user.pk])
    return Delivery.objects.filter(recipient=user, box=Delivery.Box.TRASH).update(
        box=Delivery.Box.DELETED
    )


def check_recall(user, message: Message) -> None:
    """Teachers and staff recall a message that nobody has read yet."""
    if message.sender_id != user.pk or not policy.may_send_no_reply(user, message.establishment):
        raise PermissionDenied(_("Vous ne pouvez pas rappeler ce message."))
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.deliveries.filter(read_at__isnull=False).exists():
            raise ValidationError(_("Ce message a déjà été lu : il ne peut plus être rappelé."))
        locked.recalled_at = timezone.now()
        locked.save(update_fields=["recalled_at"])
        events.notify_recalled(locked)
    message.recalled_at = locked.recalled_at


@dataclass
class ReadStats:
    read: int
    total: int
    unread_names: list[str]


def read_stats(message: Message, names_limit: int = 200) -> ReadStats:
    counts = message.deliveries.aggregate(
        total=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False))
    )
    unread = (
        message.deliveries.filter(read_at__isnull=True)
        .select_related("recipient")
        .order_by("recipient__last_name", "recipient__first_name")[:names_limit]
    )
    return ReadStats(counts["read"], counts["total"], [d.recipient.get_full_name() for d in unread])


def do_save_messaging_rules(establishment, **rules) -> MessagingRules:
    """Store the establishment's messaging rules (the caller checked
    `policy.can_adjust_messaging_rules`)."""
    saved, _created = MessagingRules.objects.update_or_create(
        establishment=establishment, defaults=rules
    )
    return saved
