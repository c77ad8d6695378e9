"""Writes of the accounts domain: logging in and out, ending sessions."""

from axes.utils import reset as reset_axes_attempts
from django.contrib.auth import login, update_session_auth_hash
from django.http import HttpRequest

from lien.accounts.models import User


def do_login(request: HttpRequest, user: User) -> None:
    """Open the session (after the password and, if enabled, the second factor were checked)."""
    login(request, user, backend="lien.accounts.backends.UsernameOrEmailBackend")


def do_logout_everywhere(request: HttpRequest, user: User) -> None:
    """End every session of the user except the current one."""
    user.session_version += 1
    user.save(update_fields=["session_version"])
    update_session_auth_hash(request, user)


def do_reset_login_failures(user: User) -> None:
    """Forget the failed logins of the account, which lifts its lockout (django-axes)."""
    reset_axes_attempts(username=user.get_username())
