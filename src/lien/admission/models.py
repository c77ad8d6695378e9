import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lien.core.models import Collectivity, Establishment


class CrisisMode(models.Model):
    """A period of very high load declared for a whole collectivité or for one establishment,
    with the lighter rules it brings. Active while `ended_at` is empty."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collectivity = models.ForeignKey(
        Collectivity,
        verbose_name=_("collectivité"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="crisis_modes",
    )
    establishment = models.ForeignKey(
        Establishment,
        verbose_name=_("établissement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="crisis_modes",
    )
    reason = models.CharField(_("motif"), max_length=300)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(_("début"), default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    # The rules; an empty value leaves the usual setting.
    max_upload_mb = models.PositiveIntegerField(_("taille maximale d'envoi (Mo)"), null=True)
    heavy_features_paused = models.BooleanField(_("fonctions lourdes suspendues"), default=False)
    # [start minute, end minute) pairs of the day (Paris time); empty: parents come at any time.
    parent_access_windows = models.JSONField(_("heures d'accès des parents"), default=list)
    session_idle_minutes = models.PositiveIntegerField(_("déconnexion après inactivité"), null=True)

    class Meta:
        verbose_name = _("mode crise")
        verbose_name_plural = _("modes crise")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(collectivity__isnull=False, establishment__isnull=True)
                | Q(collectivity__isnull=True, establishment__isnull=False),
                name="crisis_for_one_collectivity_or_one_establishment",
            ),
            models.UniqueConstraint(
                fields=["collectivity"],
                condition=Q(ended_at__isnull=True, collectivity__isnull=False),
                name="one_active_crisis_per_collectivity",
            ),
            models.UniqueConstraint(
                fields=["establishment"],
                condition=Q(ended_at__isnull=True, establishment__isnull=False),
                name="one_active_crisis_per_establishment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.reason}"

    @property
    def scope(self) -> Collectivity | Establishment:
        return self.establishment or self.collectivity  # type: ignore[return-value]

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
