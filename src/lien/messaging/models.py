"""Messages stored once, with one light state row per recipient (fan-out without copies)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lien.core.models import Establishment, Group, SchoolClass


class Conversation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="conversations"
    )
    subject = models.CharField(_("objet"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # Staff lock a conversation after a report: nobody can answer it any more.
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.subject


class Field(models.TextChoices):
    TO = "to", _("À")
    CC = "cc", _("Cc")
    BCC = "bcc", _("Cci")


class Message(models.Model):
    """One message, stored once whatever the number of recipients.

    A draft has no `sent_at`. A scheduled message has a `sent_at` in the future: its deliveries
    exist already but stay invisible until then.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages"
    )
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    recalled_at = models.DateTimeField(null=True, blank=True)
    is_no_reply = models.BooleanField(_("sans réponse possible"), default=False)
    recipient_count = models.PositiveIntegerField(default=0)
    # A double click or a retried request sends one message, not two.
    idempotency_key = models.CharField(max_length=64, blank=True)
    sender_folder = models.CharField(max_length=10, default="sent")  # sent | trash | deleted

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="unique_message_idempotency_key",
            )
        ]
        indexes = [models.Index(fields=["sender", "sender_folder", "sent_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_draft(self) -> bool:
        return self.sent_at is None


class Address(models.Model):
    """What the sender typed: a person or a list ("the parents of 2nde B"), kept for display
    and for "reply all"; the resolved people are the deliveries."""

    class Kind(models.TextChoices):
        USER = "user", _("Personne")
        CLASS_STUDENTS = "class_students", _("Élèves de la classe")
        CLASS_PARENTS = "class_parents", _("Parents de la classe")
        CLASS_TEACHERS = "class_teachers", _("Enseignants de la classe")
        GROUP_STUDENTS = "group_students", _("Élèves du groupe")
        GROUP_PARENTS = "group_parents", _("Parents du groupe")
        STAFF = "staff", _("Personnels de l'établissement")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="addresses")
    field = models.CharField(max_length=3, choices=Field.choices, default=Field.TO)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="user",
                        user__isnull=False,
                        school_class__isnull=True,
                        group__isnull=True,
                    )
                    | Q(
                        kind__in=["class_students", "class_parents", "class_teachers"],
                        user__isnull=True,
                        school_class__isnull=False,
                        group__isnull=True,
                    )
                    | Q(
                        kind__in=["group_students", "group_parents"],
                        user__isnull=True,
                        school_class__isnull=True,
                        group__isnull=False,
                    )
                    | Q(
                        kind="staff",
                        user__isnull=True,
                        school_class__isnull=True,
                        group__isnull=True,
                    )
                ),
                name="address_target_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.field})"


class Folder(models.Model):
    """A folder a user made for their own messages."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_folders"
    )
    name = models.CharField(_("nom"), max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_folder_name")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """A recipient's state of one message: the only per-recipient row of a fan-out."""

    class Box(models.TextChoices):
        INBOX = "inbox", _("Boîte de réception")
        ARCHIVE = "archive", _("Archives")
        TRASH = "trash", _("Corbeille")
        FOLDER = "folder", _("Dossier")
        DELETED = "deleted", _("Supprimé")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    field = models.CharField(max_length=3, choices=Field.choices, default=Field.TO)
    read_at = models.DateTimeField(null=True, blank=True)
    box = models.CharField(max_length=10, choices=Box.choices, default=Box.INBOX)
    folder = models.ForeignKey(
        Folder, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    # When the e-mail notification step handled this row (sent, or nothing to send).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "recipient"], name="one_delivery_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "box", "read_at"]),
            # The notification sweep only looks at the few rows not handled yet.
            models.Index(
                fields=["message"],
                condition=Q(notified_at__isnull=True),
                name="delivery_to_notify",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.recipient}"


class MessagingRules(models.Model):
    """What an establishment's administrator may adjust; the defaults are the strict ones."""

    establishment = models.OneToOneField(
        Establishment, on_delete=models.CASCADE, related_name="messaging_rules"
    )
    students_may_write_to_classmates = models.BooleanField(
        _("les élèves peuvent écrire à leurs camarades de classe"), default=False
    )
    parents_may_write_to_class_parents = models.BooleanField(
        _("les parents peuvent écrire aux autres parents de la classe"), default=False
    )

    def __str__(self) -> str:
        return str(self.establishment)


class SendingSuspension(models.Model):
    """A collectivité operator stops sending for a whole profile (e.g. every pupil)."""

    collectivity = models.ForeignKey(
        "core.Collectivity", on_delete=models.CASCADE, related_name="sending_suspensions"
    )
    role = models.CharField(_("profil"), max_length=20)
    reason = models.CharField(_("motif"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collectivity", "role"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_suspension_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.collectivity}: {self.role}"


class Attachment(models.Model):
    """A file sent with a message, stored once under a random name (never the uploaded one)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="messaging/%Y/%m/", max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=150)
    size = models.PositiveBigIntegerField(_("taille"))
    # Sniffed from the content, never taken from the browser.
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class NotificationPreference(models.Model):
    """How a person hears about new messages by e-mail (immediate when no row exists)."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("Un e-mail à chaque nouveau message")
        DAILY_DIGEST = "daily_digest", _("Un récapitulatif par jour")
        NONE = "none", _("Aucun e-mail")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="message_notification_preference",
    )
    mode = models.CharField(
        _("notifications par e-mail"), max_length=20, choices=Mode.choices, default=Mode.IMMEDIATE
    )
    include_body = models.BooleanField(
        _("inclure le texte du message dans l'e-mail"), default=False
    )

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"{self.user}: {self.mode}"


class DigestLog(models.Model):
    """One row per person and day, written before the daily digest is sent: never twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.day}"


class Report(models.Model):
    """A recipient reports a message to the establishment's direction and CPE."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_reports"
    )
    reason = models.TextField(_("motif"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_reporter")
        ]
        indexes = [models.Index(fields=["establishment", "handled_at"])]

    def __str__(self) -> str:
        return f"{self.message} ({self.reporter})"


class ReportViewing(models.Model):
    """Staff read a reported message that was not addressed to them: each reading is kept."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="viewings")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report} ← {self.viewer}"


class Signature(models.Model):
    """The few lines a person adds at the end of the messages they send."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_signature"
    )
    text = models.TextField(_("signature"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return str(self.user)
