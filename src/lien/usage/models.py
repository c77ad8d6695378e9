"""Usage figures, one row per day, establishment, profile role and service.

Page views are counted in memory or in Redis on the hot path and added here in the background
(`counters.flush`). For each day, establishment and role, the row whose service is empty
(`ALL_SERVICES`) holds the sessions opened and the unique visitors across every service; the
other rows hold each service's page views and unique visitors.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lien.core.models import Establishment, Profile

ALL_SERVICES = ""


class DailyUsage(models.Model):
    day = models.DateField(_("jour"))
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="daily_usage"
    )
    role = models.CharField(_("profil"), max_length=20, choices=Profile.Role.choices)
    # The URL namespace of the page's app ("messaging", "home"…); empty for the whole day.
    service = models.CharField(_("service"), max_length=40, blank=True)
    page_views = models.PositiveBigIntegerField(_("pages vues"), default=0)
    visitors = models.PositiveIntegerField(_("visiteurs uniques"), default=0)
    sessions = models.PositiveIntegerField(_("connexions"), default=0)

    class Meta:
        verbose_name = _("usage quotidien")
        verbose_name_plural = _("usages quotidiens")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "establishment", "role", "service"], name="one_usage_row_per_key"
            )
        ]
        indexes = [models.Index(fields=["establishment", "day"], name="usage_establishment_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.establishment_id} {self.role} {self.service or '*'}"


class FlushedBatch(models.Model):
    """A batch of Redis counters already added to DailyUsage: a flush interrupted after its
    database write and retried does not add the same counts twice."""

    code = models.CharField(max_length=32, unique=True)
    flushed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot de compteurs")
        verbose_name_plural = _("lots de compteurs")

    def __str__(self) -> str:
        return self.code
