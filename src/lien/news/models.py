"""News (actualités) published to an establishment, a class, a group or the parents of a class;
the acknowledgements parents give; the short "flash" banners of an establishment or a
collectivité."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lien.core.models import Collectivity, Establishment, Group, SchoolClass

TITLE_MAX_LENGTH = 200
FLASH_MAX_LENGTH = 280
REVIEW_NOTE_MAX_LENGTH = 500


class NewsSettings(models.Model):
    """An establishment's choices for its news; absent, teachers publish directly."""

    establishment = models.OneToOneField(
        Establishment, on_delete=models.CASCADE, related_name="news_settings"
    )
    teachers_need_validation = models.BooleanField(
        _("les actualités des enseignants sont validées avant publication"), default=False
    )

    class Meta:
        verbose_name = _("réglages des actualités")
        verbose_name_plural = _("réglages des actualités")

    def __str__(self) -> str:
        return str(self.establishment)


class NewsItem(models.Model):
    """One news item. It reaches its audiences once published and `publish_at` has come, and
    leaves them at `expires_at`."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("En attente de validation")
        PUBLISHED = "published", _("Publiée")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="news_items"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="news_items"
    )
    title = models.CharField(_("titre"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("texte"))
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publication"))
    expires_at = models.DateTimeField(_("fin de publication"), null=True, blank=True)
    is_pinned = models.BooleanField(_("épinglée"), default=False)
    requires_acknowledgement = models.BooleanField(
        _("confirmation de lecture demandée aux parents"), default=False
    )
    # Why the validators sent a submitted item back to its author.
    review_note = models.CharField(
        _("remarque de la validation"), max_length=REVIEW_NOTE_MAX_LENGTH, blank=True
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("publish_at")),
                name="news_expires_after_publication",
            )
        ]
        indexes = [
            models.Index(fields=["establishment", "status", "publish_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("news:item", args=[self.code])

    @property
    def state(self) -> str:
        """Where the item stands now: draft, submitted, scheduled, public or expired."""
        now = timezone.now()
        if self.status != self.Status.PUBLISHED:
            return self.status
        if self.publish_at > now:
            return "scheduled"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "public"

    def is_public_at(self, moment) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at <= moment
            and (self.expires_at is None or self.expires_at > moment)
        )


class Audience(models.Model):
    """Who a news item is for; an item has one or several."""

    class Kind(models.TextChoices):
        ESTABLISHMENT = "establishment", _("Tout l'établissement")
        CLASS = "class", _("Élèves de la classe")
        CLASS_PARENTS = "class_parents", _("Parents de la classe")
        GROUP = "group", _("Élèves du groupe")

    item = models.ForeignKey(NewsItem, on_delete=models.CASCADE, related_name="audiences")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("public")
        verbose_name_plural = _("publics")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="establishment", school_class__isnull=True, group__isnull=True)
                    | Q(
                        kind__in=["class", "class_parents"],
                        school_class__isnull=False,
                        group__isnull=True,
                    )
                    | Q(kind="group", school_class__isnull=True, group__isnull=False)
                ),
                name="news_audience_target_matches_kind",
            )
        ]
        indexes = [
            models.Index(fields=["kind", "school_class"]),
            models.Index(fields=["kind", "group"]),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How the audience reads in French: « Parents de 2nde A »."""
        if self.kind == self.Kind.CLASS:
            return _("Élèves de %(name)s") % {"name": self.school_class}
        if self.kind == self.Kind.CLASS_PARENTS:
            return _("Parents de %(name)s") % {"name": self.school_class}
        if self.kind == self.Kind.GROUP:
            return _("Groupe %(name)s") % {"name": self.group}
        return str(self.Kind.ESTABLISHMENT.label)


class NewsAttachment(models.Model):
    """A file published with a news item, stored under a random name."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(NewsItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="news/%Y/%m/", max_length=200)
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


class Acknowledgement(models.Model):
    """A parent confirmed having read a news item (« lu et pris connaissance »)."""

    item = models.ForeignKey(NewsItem, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="news_acknowledgements"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation de lecture")
        verbose_name_plural = _("confirmations de lecture")
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="one_acknowledgement_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.item} ← {self.user}"


class Reminder(models.Model):
    """A reminder sent to the parents who had not confirmed yet (at most one an hour)."""

    item = models.ForeignKey(NewsItem, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.item} ({self.sent_at})"


class FlashMessage(models.Model):
    """A short banner on the home page of the chosen profiles of an establishment, or of every
    establishment of a collectivité, until they dismiss it or it ends."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    collectivity = models.ForeignKey(
        Collectivity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(_("texte"), max_length=FLASH_MAX_LENGTH)
    for_students = models.BooleanField(_("élèves"), default=False)
    for_parents = models.BooleanField(_("parents"), default=False)
    for_teachers = models.BooleanField(_("enseignants"), default=False)
    for_staff = models.BooleanField(_("personnels"), default=False)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message flash")
        verbose_name_plural = _("messages flash")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(establishment__isnull=False, collectivity__isnull=True)
                | Q(establishment__isnull=True, collectivity__isnull=False),
                name="flash_scope_is_establishment_or_collectivity",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="flash_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["ends_at"])]

    def __str__(self) -> str:
        return self.text[:50]


class FlashDismissal(models.Model):
    """Someone closed a flash banner: it stays hidden for them."""

    flash = models.ForeignKey(FlashMessage, on_delete=models.CASCADE, related_name="dismissals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flash", "user"], name="one_dismissal_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.flash} ← {self.user}"
