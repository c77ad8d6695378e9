"""The cahier de textes (a class's or group's lesson log), its work to do and the pupils' ticks.

A log entry belongs to one class or one group, one subject and one teacher (its author). Copying
an entry to other classes makes one entry per class, each editable on its own. Work to do
(`WorkItem`) repeats its entry's class or group, subject and visibility date, so that a pupil's
to-do list is one query on their class and groups.
"""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lien.core.models import Establishment, Group, Profile, SchoolClass, SchoolYear, Subject

MAX_ESTIMATED_MINUTES = 480

CLASS_OR_GROUP = Q(school_class__isnull=False, group__isnull=True) | Q(
    school_class__isnull=True, group__isnull=False
)


class LogEntry(models.Model):
    """One lesson in the cahier de textes of a class or group."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="homework_entries"
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="homework_entries"
    )
    teacher = models.ForeignKey(
        Profile,
        verbose_name=_("enseignant"),
        on_delete=models.RESTRICT,
        related_name="homework_entries",
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("classe"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="homework_entries",
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("groupe"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="homework_entries",
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("matière"), on_delete=models.RESTRICT, related_name="+"
    )
    lesson_date = models.DateField(_("date de la séance"))
    title = models.CharField(_("titre de la séance"), max_length=200, blank=True)
    content = models.TextField(_("contenu de la séance"))
    # One link a line: "https://…" or "A title https://…".
    links = models.TextField(_("liens"), blank=True)
    visible_from = models.DateField(_("visible à partir du"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("séance du cahier de textes")
        verbose_name_plural = _("séances du cahier de textes")
        ordering = ["lesson_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=CLASS_OR_GROUP, name="log_entry_class_or_group")
        ]
        indexes = [
            models.Index(fields=["school_class", "lesson_date"]),
            models.Index(fields=["group", "lesson_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.subject} · {self.lesson_date}"

    @property
    def target(self) -> SchoolClass | Group:
        return self.school_class or self.group  # type: ignore[return-value]

    def link_list(self) -> list[tuple[str, str]]:
        """The links as (label, address) pairs, the label being the address when none is given.
        Only web addresses: anything else (javascript:…) is left out."""
        pairs = []
        for line in self.links.splitlines():
            words = line.split()
            if not words or not words[-1].lower().startswith(("https://", "http://")):
                continue
            address = words[-1]
            pairs.append((" ".join(words[:-1]) or address, address))
        return pairs


class WorkItem(models.Model):
    """Work to do (travail à faire) for a class or group, due on a date."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(LogEntry, on_delete=models.CASCADE, related_name="work_items")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, related_name="work_items"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="work_items"
    )
    subject = models.ForeignKey(Subject, on_delete=models.RESTRICT, related_name="+")
    title = models.CharField(_("travail à faire"), max_length=200)
    instructions = models.TextField(_("consignes"), blank=True)
    due_date = models.DateField(_("pour le"))
    estimated_minutes = models.PositiveSmallIntegerField(_("temps estimé (minutes)"))
    visible_from = models.DateField(_("visible à partir du"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("travail à faire")
        verbose_name_plural = _("travaux à faire")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=CLASS_OR_GROUP, name="work_item_class_or_group"),
            models.CheckConstraint(
                condition=Q(estimated_minutes__lte=MAX_ESTIMATED_MINUTES),
                name="work_item_estimate_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["school_class", "due_date"]),
            models.Index(fields=["group", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.title} ({self.due_date})"

    @property
    def target(self) -> SchoolClass | Group:
        return self.school_class or self.group  # type: ignore[return-value]


class EntryAttachment(models.Model):
    """A document of a lesson, or of its work to do when `work_item` is set.

    Copies of an entry point to the same stored file: the file goes only with its last row.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(LogEntry, on_delete=models.CASCADE, related_name="attachments")
    work_item = models.ForeignKey(
        WorkItem, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="homework/%Y/%m/", max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=150)
    size = models.PositiveBigIntegerField(_("taille"))
    # Sniffed from the content, never taken from the browser.
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document joint")
        verbose_name_plural = _("documents joints")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class WorkDone(models.Model):
    """A pupil ticked a work item as done. Their own: teachers only ever see counts."""

    student = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="work_done")
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="done")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("travail fait")
        verbose_name_plural = _("travaux faits")
        constraints = [
            models.UniqueConstraint(fields=["student", "work_item"], name="unique_work_done")
        ]

    def __str__(self) -> str:
        return f"{self.student} ✓ {self.work_item}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The private iCalendar address of one pupil's work due, for the pupil or one parent.

    `owner` is the pupil themself or a parent of theirs; the token is the only key to the feed.
    """

    owner = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="calendar_feeds")
    student = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agenda du travail à faire")
        verbose_name_plural = _("agendas du travail à faire")
        constraints = [
            models.UniqueConstraint(fields=["owner", "student"], name="one_feed_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.owner} → {self.student}"
