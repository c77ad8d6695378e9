import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. What they may do comes from their profiles (lien.core.models.Profile)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    activated_at = models.DateTimeField(_("compte activé le"), null=True, blank=True)
    # Bumped by "log out everywhere": every session signed with the old value becomes invalid.
    session_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "lien.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_version}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_activated(self) -> bool:
        return self.activated_at is not None


class ActivationCode(models.Model):
    """A one-time code printed on an activation letter; the first login with it sets a password.

    Only a hash of the code is stored: the printed letter is the one place the code exists.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # A newer letter replaces the older ones.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code d'activation")
        verbose_name_plural = _("codes d'activation")
        indexes = [models.Index(fields=["user", "used_at", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class KnownDevice(models.Model):
    """A browser a user has logged in from, so that a login from a new one is notified."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    token_hash = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=300, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token_hash"], name="unique_known_device")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.user_agent[:40]}"
