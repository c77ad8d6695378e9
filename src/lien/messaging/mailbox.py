"""The reading side of messaging: folder listings, threads, search, and the mailbox's own writes
(bulk moves, the user's folders).

Every query here is scoped to one user: a message is theirs if they received it (a delivery row,
visible once its time has come and unless recalled) or if they sent it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lien.core import fragments
from lien.messaging import events, policy, services
from lien.messaging.models import Address, Attachment, Delivery, Field, Folder, Message

Box = Delivery.Box
Kind = Address.Kind

FOLDER_NAME_MAX_LENGTH = 60
SEARCH_MAX_LENGTH = 200

# The system folders, by URL name; a user's own folders are `Folder` rows.
INBOX, SENT, DRAFTS, ARCHIVE, TRASH, FOLDER, SEARCH = (
    "inbox",
    "sent",
    "drafts",
    "archive",
    "trash",
    "folder",
    "search",
)
RECEIVED_BOXES = {INBOX: Box.INBOX, ARCHIVE: Box.ARCHIVE, TRASH: Box.TRASH, FOLDER: Box.FOLDER}


# --- Labels -------------------------------------------------------------------------------------


def address_label(address: Address) -> str:
    """What an address reads as in a header or a list: a name or "Parents de 2nde A"."""
    if address.kind == Kind.USER:
        return address.user.get_full_name() or address.user.username
    if address.kind == Kind.STAFF:
        return _("Personnels de l'établissement")
    name = address.school_class.name if address.school_class_id else address.group.name
    labels = {
        Kind.CLASS_STUDENTS: _("Élèves de %(name)s"),
        Kind.CLASS_PARENTS: _("Parents de %(name)s"),
        Kind.CLASS_TEACHERS: _("Enseignants de %(name)s"),
        Kind.GROUP_STUDENTS: _("Élèves de %(name)s"),
        Kind.GROUP_PARENTS: _("Parents de %(name)s"),
    }
    return labels[address.kind] % {"name": name}


def addresses_prefetch() -> Prefetch:
    """Prefetch a message's addresses with what their labels need (one query per list)."""
    return Prefetch(
        "addresses",
        queryset=Address.objects.select_related("user", "school_class", "group").order_by("pk"),
    )


def has_attachments(message_ref: str = "pk") -> Exists:
    """Annotation: whether the message (`message_ref` from the outer query) carries files."""
    return Exists(Attachment.objects.filter(message=OuterRef(message_ref)))


def labels_of(message: Message, field: str | None = None) -> list[str]:
    return [
        address_label(address)
        for address in message.addresses.all()
        if field is None or address.field == field
    ]


# --- Listings -----------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a folder listing, whether the user received or sent the message."""

    code: uuid.UUID
    subject: str
    when: datetime | None
    is_sent: bool  # the user is the sender
    correspondent: str  # the sender's name, or the recipients' summary for a sent message
    is_unread: bool = False
    read_count: int = 0
    recipient_count: int = 0
    is_scheduled: bool = False
    is_recalled: bool = False
    has_attachments: bool = False


def received_row(delivery: Delivery) -> Row:
    message = delivery.message
    return Row(
        code=message.code,
        subject=message.subject,
        when=message.sent_at,
        is_sent=False,
        correspondent=message.sender.get_full_name() or message.sender.username,
        is_unread=delivery.read_at is None,
        # Annotated on the delivery (folders) or on its message (search).
        has_attachments=getattr(
            delivery, "has_attachments", getattr(message, "has_attachments", False)
        ),
    )


def sent_row(message: Message, now: datetime) -> Row:
    return Row(
        code=message.code,
        subject=message.subject,
        when=message.sent_at,
        is_sent=True,
        correspondent=", ".join(labels_of(message)),
        read_count=getattr(message, "read_count", 0),
        recipient_count=message.recipient_count,
        is_scheduled=message.sent_at is not None and message.sent_at > now,
        is_recalled=message.recalled_at is not None,
        has_attachments=getattr(message, "has_attachments", False),
    )


def received_in(user, box: str, folder: Folder | None = None) -> QuerySet[Delivery]:
    """The deliveries of one box (or one of the user's folders), newest first."""
    deliveries = services.visible_deliveries(user).filter(box=box)
    if folder is not None:
        deliveries = deliveries.filter(folder=folder)
    return (
        deliveries.select_related("message__sender")
        .annotate(has_attachments=has_attachments("message_id"))
        .order_by("-message__sent_at", "-pk")
    )


def sent_by(user) -> QuerySet[Message]:
    """The messages the user sent (scheduled and recalled ones included), newest first, with
    their read counts annotated (no query per message)."""
    return (
        Message.objects.filter(sender=user, sent_at__isnull=False, sender_folder="sent")
        .annotate(
            read_count=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
            has_attachments=has_attachments(),
        )
        .prefetch_related(addresses_prefetch())
        .order_by("-sent_at", "-pk")
    )


def drafts_of(user) -> QuerySet[Message]:
    return (
        Message.objects.filter(sender=user, sent_at__isnull=True)
        .annotate(has_attachments=has_attachments())
        .prefetch_related(addresses_prefetch())
        .order_by("-updated_at", "-pk")
    )


def draft_row(message: Message) -> Row:
    return Row(
        code=message.code,
        subject=message.subject or _("(sans objet)"),
        when=message.updated_at,
        is_sent=True,
        correspondent=", ".join(labels_of(message)),
        has_attachments=getattr(message, "has_attachments", False),
    )


def trash_of(user) -> QuerySet:
    """The trash mixes received messages and sent ones: one sorted list of
    (message id, date, "received" | "sent") to paginate, turned into rows by `trash_rows`."""
    received = (
        services.visible_deliveries(user)
        .filter(box=Box.TRASH)
        .annotate(
            mid=F("message_id"),
            when=F("message__sent_at"),
            origin=Value("received", output_field=CharField()),
        )
        .values_list("mid", "when", "origin")
    )
    sent = (
        Message.objects.filter(sender=user, sent_at__isnull=False, sender_folder="trash")
        .annotate(mid=F("pk"), when=F("sent_at"), origin=Value("sent", output_field=CharField()))
        .values_list("mid", "when", "origin")
    )
    return received.union(sent, all=True).order_by("-when", "-mid")


def trash_rows(user, entries) -> list[Row]:
    received_ids = [mid for mid, _when, origin in entries if origin == "received"]
    sent_ids = [mid for mid, _when, origin in entries if origin == "sent"]
    now = timezone.now()
    rows: dict[tuple[str, int], Row] = {}
    if received_ids:
        for delivery in (
            Delivery.objects.filter(recipient=user, message_id__in=received_ids)
            .select_related("message__sender")
            .annotate(has_attachments=has_attachments("message_id"))
        ):
            rows["received", delivery.message_id] = received_row(delivery)
    if sent_ids:
        for message in sent_by_ids(user, sent_ids):
            rows["sent", message.pk] = sent_row(message, now)
    return [rows[origin, mid] for mid, _when, origin in entries if (origin, mid) in rows]


def sent_by_ids(user, ids) -> QuerySet[Message]:
    return (
        Message.objects.filter(sender=user, pk__in=ids)
        .annotate(
            read_count=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
            has_attachments=has_attachments(),
        )
        .prefetch_related(addresses_prefetch())
    )


# --- Search -------------------------------------------------------------------------------------


def check_search_query(query: str) -> str:
    query = query.strip()
    if not query:
        raise ValidationError(_("Saisissez un ou plusieurs mots à rechercher."))
    if len(query) > SEARCH_MAX_LENGTH:
        raise ValidationError(
            _("La recherche est trop longue (%(max)d caractères au plus).")
            % {"max": SEARCH_MAX_LENGTH}
        )
    return query


def searchable_by(user) -> QuerySet[Message]:
    """Every message the user may open: received and visible (not deleted), or sent by them."""
    received = services.visible_deliveries(user).exclude(box=Box.DELETED).values("message_id")
    return Message.objects.filter(
        Q(pk__in=received)
        | Q(sender=user, sent_at__isnull=False, sender_folder__in=["sent", "trash"])
    )


def search(user, query: str) -> QuerySet[Message]:
    """The user's messages whose subject or body match, newest first.

    PostgreSQL: French full-text search (stems: "sorties" finds "sortie"). Elsewhere (SQLite):
    every word must appear in the subject or the body, case-insensitively.
    """
    messages = searchable_by(user)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        messages = messages.annotate(
            search=SearchVector("subject", weight="A", config="french")
            + SearchVector("body", weight="B", config="french")
        ).filter(search=SearchQuery(query, config="french", search_type="websearch"))
    else:
        for word in query.split():
            messages = messages.filter(Q(subject__icontains=word) | Q(body__icontains=word))
    return (
        messages.select_related("sender")
        .annotate(
            read_count=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
            has_attachments=has_attachments(),
        )
        .prefetch_related(
            addresses_prefetch(),
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.filter(recipient=user),
                to_attr="own_deliveries",
            ),
        )
        .order_by("-sent_at", "-pk")
    )


def search_rows(user, messages) -> list[Row]:
    now = timezone.now()
    rows = []
    for message in messages:
        if message.sender_id == user.pk:
            rows.append(sent_row(message, now))
        else:
            delivery = message.own_deliveries[0]
            delivery.message = message
            rows.append(received_row(delivery))
    return rows


# --- One message and its thread -----------------------------------------------------------------


@dataclass
class Opened:
    """A message as one user may see it: as its sender, or through their delivery."""

    message: Message
    delivery: Delivery | None  # None when the user is the sender

    @property
    def is_sender(self) -> bool:
        return self.delivery is None


def open_message(user, code) -> Opened:
    """The message with this code if the user sent it or may read it now; else 404."""
    message = (
        Message.objects.filter(code=code)
        .select_related("sender", "conversation", "establishment")
        .first()
    )
    if message is None or message.sent_at is None:
        raise Http404
    if message.sender_id == user.pk:
        if message.sender_folder == "deleted":
            raise Http404
        return Opened(message, None)
    delivery = (
        services.visible_deliveries(user)
        .exclude(box=Box.DELETED)
        .filter(message=message)
        .select_related("folder")
        .first()
    )
    if delivery is None:
        raise Http404
    delivery.message = message
    return Opened(message, delivery)


def thread_of(user, message: Message) -> list[Message]:
    """The messages of the conversation this user sent or received (never replies between
    others), oldest first, with their addresses, files, read counts and the user's own
    delivery."""
    received = (
        services.visible_deliveries(user)
        .exclude(box=Box.DELETED)
        .filter(message__conversation=message.conversation_id)
        .values("message_id")
    )
    return list(
        Message.objects.filter(conversation=message.conversation_id)
        .filter(
            Q(pk__in=received)
            | Q(sender=user, sent_at__isnull=False, sender_folder__in=["sent", "trash"])
        )
        .select_related("sender")
        .annotate(read_count=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)))
        .prefetch_related(
            addresses_prefetch(),
            "attachments",
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.filter(recipient=user),
                to_attr="own_deliveries",
            ),
        )
        .order_by("sent_at", "pk")
    )


@dataclass
class ThreadEntry:
    """One message of a thread as the user sees it (Bcc only for its sender)."""

    message: Message
    is_mine: bool
    is_current: bool
    was_unread: bool
    to: list[str]
    cc: list[str]
    bcc: list[str]
    read_count: int
    delivery: Delivery | None = None  # the user's own, None for a message they sent


def thread_entries(user, current: Message, messages: list[Message]) -> list[ThreadEntry]:
    entries = []
    for message in messages:
        is_mine = message.sender_id == user.pk
        own = message.own_deliveries[0] if message.own_deliveries else None
        entries.append(
            ThreadEntry(
                message=message,
                is_mine=is_mine,
                is_current=message.pk == current.pk,
                was_unread=own is not None and own.read_at is None,
                to=labels_of(message, Field.TO),
                cc=labels_of(message, Field.CC),
                bcc=labels_of(message, Field.BCC) if is_mine else [],
                read_count=message.read_count,
                delivery=None if is_mine else own,
            )
        )
    return entries


def do_mark_thread_read(user, messages: list[Message]) -> int:
    """Mark read the user's unread deliveries among the messages they are being shown."""
    marked = Delivery.objects.filter(
        recipient=user, message__in=[m.pk for m in messages], read_at__isnull=True
    ).update(read_at=timezone.now())
    if marked:
        # The senders see their read counts move; the reader's pages, the unread count.
        events.notify_read_changed(user.pk, [m.pk for m in messages if m.sender_id != user.pk])
    return marked


def may_recall(user, message: Message, read_count: int) -> bool:
    """Offer « Rappeler »: the sender is a teacher or staff and nobody has read it yet."""
    return (
        message.sender_id == user.pk
        and message.recalled_at is None
        and read_count == 0
        and policy.may_send_no_reply(user, message.establishment)
    )


# --- Bulk actions -------------------------------------------------------------------------------

MARK_READ, MARK_UNREAD, TO_INBOX, TO_ARCHIVE, TO_TRASH, RESTORE, DELETE = (
    "read",
    "unread",
    "inbox",
    "archive",
    "trash",
    "restore",
    "delete",
)
MOVE_PREFIX = "move:"


def parse_codes(values) -> list[uuid.UUID]:
    codes = []
    for value in values:
        try:
            codes.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return codes


def check_bulk_action(user, action: str, values, allowed: set[str]) -> int:
    """Apply one of the folder's actions to the selected messages of this user.

    `values` are message codes from the form; codes that aren't the user's are ignored, so a
    forged form changes nothing of anyone else's. Returns the number of messages changed.
    """
    folder = None
    verb = action
    if action.startswith(MOVE_PREFIX):
        verb = MOVE_PREFIX
        folder = Folder.objects.filter(
            owner=user, code__in=parse_codes([action.removeprefix(MOVE_PREFIX)])
        ).first()
        if folder is None:
            raise ValidationError(_("Ce dossier n'existe pas."))
    if verb not in allowed:
        raise ValidationError(_("Choisissez une action dans la liste."))
    codes = parse_codes(values)
    deliveries = services.visible_deliveries(user).filter(message__code__in=codes)
    own_messages = Message.objects.filter(sender=user, code__in=codes, sent_at__isnull=False)
    if not codes or not (deliveries.exists() or own_messages.exists()):
        raise ValidationError(_("Sélectionnez au moins un message."))
    return do_bulk_action(user, verb, deliveries, own_messages, folder)


def do_bulk_action(user, verb, deliveries, own_messages, folder: Folder | None) -> int:
    if folder is not None and folder.owner_id != user.pk:
        raise PermissionDenied(_("Ce dossier n'est pas le vôtre."))
    deliveries = deliveries.exclude(box=Box.DELETED)
    with transaction.atomic():
        # Sent after the commit: the read counts of the senders, the user's unread count.
        if verb in (MARK_READ, MARK_UNREAD):
            events.notify_read_changed(user.pk, deliveries.values_list("message_id", flat=True))
        else:
            events.notify_unread_changed(user.pk)
        if verb == MARK_READ:
            return deliveries.filter(read_at__isnull=True).update(read_at=timezone.now())
        if verb == MARK_UNREAD:
            return deliveries.update(read_at=None)
        if verb == TO_INBOX:
            return deliveries.update(box=Box.INBOX, folder=None)
        if verb == TO_ARCHIVE:
            return deliveries.update(box=Box.ARCHIVE, folder=None)
        if verb == MOVE_PREFIX:
            return deliveries.update(box=Box.FOLDER, folder=folder)
        if verb == TO_TRASH:
            return deliveries.update(box=Box.TRASH, folder=None) + own_messages.filter(
                sender_folder="sent"
            ).update(sender_folder="trash")
        if verb == RESTORE:
            return deliveries.filter(box=Box.TRASH).update(
                box=Box.INBOX, folder=None
            ) + own_messages.filter(sender_folder="trash").update(sender_folder="sent")
        if verb == DELETE:
            return deliveries.filter(box=Box.TRASH).update(box=Box.DELETED) + own_messages.filter(
                sender_folder="trash"
            ).update(sender_folder="deleted")
    raise ValidationError(_("Choisissez une action dans la liste."))


def do_empty_trash(user) -> int:
    """Delete for good, for this user only, everything in their trash (received and sent)."""
    with transaction.atomic():
        received = services.do_empty_trash(user)
        sent = Message.objects.filter(sender=user, sender_folder="trash").update(
            sender_folder="deleted"
        )
        fragments.touch([user.pk])
    return received + sent


def trash_count(user) -> int:
    return trash_of(user).count()


# --- The user's own folders ---------------------------------------------------------------------


def folders_of(user) -> QuerySet[Folder]:
    return Folder.objects.filter(owner=user).order_by("name", "pk")


def folder_of(user, code) -> Folder:
    folder = Folder.objects.filter(owner=user, code=code).first()
    if folder is None:
        raise Http404
    return folder


def _check_folder_name(user, name: str, folder: Folder | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Donnez un nom au dossier."))
    if len(name) > FOLDER_NAME_MAX_LENGTH:
        raise ValidationError(
            _("Le nom est trop long (%(max)d caractères au plus).")
            % {"max": FOLDER_NAME_MAX_LENGTH}
        )
    same = Folder.objects.filter(owner=user, name__iexact=name)
    if folder is not None:
        same = same.exclude(pk=folder.pk)
    if same.exists():
        raise ValidationError(_("Vous avez déjà un dossier nommé « %(name)s ».") % {"name": name})
    return name


def _duplicate_name(name: str) -> ValidationError:
    return ValidationError(_("Vous avez déjà un dossier nommé « %(name)s ».") % {"name": name})


def check_create_folder(user, name: str) -> Folder:
    name = _check_folder_name(user, name)
    try:
        with transaction.atomic():
            fragments.touch([user.pk])  # the side navigation lists the folders
            return Folder.objects.create(owner=user, name=name)
    except IntegrityError:
        raise _duplicate_name(name) from None


def check_rename_folder(user, folder: Folder, name: str) -> Folder:
    if folder.owner_id != user.pk:
        raise PermissionDenied(_("Ce dossier n'est pas le vôtre."))
    name = _check_folder_name(user, name, folder)
    folder.name = name
    try:
        with transaction.atomic():
            folder.save(update_fields=["name"])
            fragments.touch([user.pk])
    except IntegrityError:
        raise _duplicate_name(name) from None
    return folder


def do_delete_folder(user, folder: Folder) -> int:
    """Delete one of the user's folders; its messages go back to the inbox. Returns how many."""
    if folder.owner_id != user.pk:
        raise PermissionDenied(_("Ce dossier n'est pas le vôtre."))
    with transaction.atomic():
        moved = Delivery.objects.filter(recipient=user, folder=folder).update(
            box=Box.INBOX, folder=None
        )
        folder.delete()
        fragments.touch([user.pk])
        if moved:
            events.notify_unread_changed(user.pk)
    return moved


def folders_with_counts(user) -> QuerySet[Folder]:
    """The user's folders with how many visible messages each holds (one query)."""
    now = timezone.now()
    return folders_of(user).annotate(
        message_count=Count(
            "deliveries",
            filter=Q(
                deliveries__box=Box.FOLDER,
                deliveries__message__sent_at__lte=now,
                deliveries__message__recalled_at__isnull=True,
            ),
        )
    )
