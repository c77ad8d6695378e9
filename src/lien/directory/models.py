"""Imports of an establishment's people and structure, and the contact details they bring."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lien.core.models import Establishment, Profile


class Contact(models.Model):
    """Contact details of one profile that the account itself does not hold (a parent's phone)."""

    profile = models.OneToOneField(Profile, on_delete=models.CASCADE, related_name="contact")
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("coordonnées")
        verbose_name_plural = _("coordonnées")

    def __str__(self) -> str:
        return f"{self.profile}: {self.phone}"


class ImportJob(models.Model):
    """One import of CSV files into an establishment, run in the background in two steps.

    First the files are checked and the import's effect computed without writing anything
    (CHECKING, then PREVIEWED with the preview's report); an account manager then confirms it
    (PENDING, RUNNING, then DONE or FAILED) or cancels it (CANCELLED). The files' decoded text is
    kept only until the job has run or been cancelled: afterwards the job keeps its report
    (counts) or its error messages, and the file names.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Vérification en cours")
        PREVIEWED = "previewed", _("À confirmer")
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Refusé")
        CANCELLED = "cancelled", _("Annulé")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="import_jobs"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    school_year_name = models.CharField(_("année scolaire"), max_length=9)
    students_file_name = models.CharField(max_length=255, blank=True)
    students_csv = models.TextField(blank=True)
    parents_file_name = models.CharField(max_length=255, blank=True)
    parents_csv = models.TextField(blank=True)
    teachers_file_name = models.CharField(max_length=255, blank=True)
    teachers_csv = models.TextField(blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    # The preview's report until the job runs, then the run's.
    report = models.JSONField(default=dict, blank=True)
    # The enrolments removed (or, in a preview, to be removed): Removals.as_dict().
    removals = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Ticked on confirmation: the pupils' file lists every pupil of the year.
    complete_list_confirmed = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["establishment", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.establishment} {self.school_year_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("directory:import-job", args=[self.code])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def is_in_progress(self) -> bool:
        """A worker is checking or running it: its page reloads itself."""
        return self.status in (self.Status.CHECKING, self.Status.PENDING, self.Status.RUNNING)

    @property
    def needs_complete_list(self) -> bool:
        """The preview removes so many enrolments that confirming requires the checkbox."""
        return bool(self.removals.get("is_mass_removal"))

    @property
    def unlisted_removals(self) -> int:
        """Removed pupils beyond those the preview names."""
        return self.removals.get("count", 0) - len(self.removals.get("students", []))

    @property
    def file_names(self) -> list[str]:
        names = [self.students_file_name, self.parents_file_name, self.teachers_file_name]
        return [name for name in names if name]

    # While the import transaction is open its writes are invisible to other connections (and
    # SQLite would block them), so the running job publishes its progress through the cache.
    @property
    def progress_cache_key(self) -> str:
        return f"directory:import-progress:{self.code}"

    def publish_progress(self, done_rows: int) -> None:
        cache.set(self.progress_cache_key, done_rows, timeout=6 * 3600)

    def current_done_rows(self) -> int:
        if not self.is_in_progress:
            return self.done_rows
        return max(self.done_rows, cache.get(self.progress_cache_key) or 0)

    def forget_progress(self) -> None:
        """The preview's progress must not show as the run's."""
        cache.delete(self.progress_cache_key)
