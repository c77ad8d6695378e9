"""Online assignments (devoirs en ligne): set by a teacher for a class or a group, handed in by
pupils, returned with feedback.

A pupil's hand-in is never overwritten: each (re)submission is a new `Submission` row with the
next version number, and only the newest one (`is_latest`) counts.
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lien.core.models import Establishment, Group, Profile, SchoolClass, Subject

# No 0/O, 1/I/L: a receipt code is read aloud or copied by hand.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MARK_MAX = 20


def new_receipt_code() -> str:
    """A short code such as "K7QM-3XTA", printed on the receipt."""
    characters = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{characters[:4]}-{characters[4:]}"


class Assignment(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="assignments"
    )
    # PROTECT: removing a teacher's profile must not take the pupils' work with it.
    teacher = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="set_assignments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(_("titre"), max_length=200)
    instructions = models.TextField(_("consignes"), blank=True)
    deadline = models.DateTimeField(_("date limite"))
    accepts_files = models.BooleanField(_("dépôt de fichiers"), default=True)
    accepts_text = models.BooleanField(_("réponse écrite"), default=False)
    late_submissions_allowed = models.BooleanField(_("dépôts en retard acceptés"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("devoir en ligne")
        verbose_name_plural = _("devoirs en ligne")
        ordering = ["-deadline", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class__isnull=False, group__isnull=True)
                | Q(school_class__isnull=True, group__isnull=False),
                name="assignment_targets_class_or_group",
            ),
            models.CheckConstraint(
                condition=Q(accepts_files=True) | Q(accepts_text=True),
                name="assignment_expects_something",
            ),
        ]
        indexes = [
            models.Index(fields=["school_class", "deadline"]),
            models.Index(fields=["group", "deadline"]),
            models.Index(fields=["teacher", "deadline"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def target(self) -> SchoolClass | Group:
        target = self.school_class or self.group
        assert target is not None  # a database constraint guarantees one of them
        return target


class Submission(models.Model):
    """One version of a pupil's hand-in, with the receipt they were given for it."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="assignment_submissions"
    )
    version = models.PositiveIntegerField(_("version"))
    is_latest = models.BooleanField(default=True)
    text = models.TextField(_("réponse écrite"), blank=True)
    submitted_at = models.DateTimeField(_("déposé le"))
    is_late = models.BooleanField(_("en retard"), default=False)
    receipt_code = models.CharField(_("code du reçu"), max_length=9, unique=True)

    class Meta:
        verbose_name = _("dépôt")
        verbose_name_plural = _("dépôts")
        ordering = ["assignment", "student", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "student", "version"], name="unique_submission_version"
            ),
            models.UniqueConstraint(
                fields=["assignment", "student"],
                condition=Q(is_latest=True),
                name="one_latest_submission",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "is_latest"])]

    def __str__(self) -> str:
        return f"{self.assignment} – {self.student.user} (v{self.version})"


class StoredFile(models.Model):
    """A file stored under a random name, with what was learnt about it when it arrived."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to="assignments/%Y/%m/", max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=150)
    size = models.PositiveBigIntegerField(_("taille"))
    # Sniffed from the content, never taken from the browser.
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def short_sha256(self) -> str:
        return self.sha256[:12]


class SubmissionFile(StoredFile):
    # A file kept from the previous version points to the same stored file (never deleted).
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")

    class Meta(StoredFile.Meta):
        verbose_name = _("fichier déposé")
        verbose_name_plural = _("fichiers déposés")


class Feedback(models.Model):
    """The teacher's return on one version of a hand-in."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField(_("appréciation"), blank=True)
    mark = models.DecimalField(
        _("note sur 20"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MARK_MAX)],
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    given_at = models.DateTimeField(_("rendu le"))
    updated_at = models.DateTimeField(auto_now=True)
    # When the pupil and their parents were told (once, at the first return).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("retour")
        verbose_name_plural = _("retours")
        constraints = [
            models.CheckConstraint(
                condition=Q(mark__isnull=True) | Q(mark__gte=0, mark__lte=MARK_MAX),
                name="feedback_mark_out_of_20",
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission}"


class ReturnedFile(StoredFile):
    """The corrected copy a teacher hands back with their feedback."""

    feedback = models.OneToOneField(
        Feedback, on_delete=models.CASCADE, related_name="returned_file"
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("copie corrigée")
        verbose_name_plural = _("copies corrigées")
