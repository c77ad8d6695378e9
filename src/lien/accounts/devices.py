"""Browsers a user logs in from, and the e-mail sent when a login comes from a new one.

Each browser carries a long-lived signed cookie holding a random token; only the token's SHA-256
is stored (KnownDevice), so that the table reveals nothing usable. One browser shared by a
family keeps one token, known separately for each of its users.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from lien.accounts.models import KnownDevice, User

logger = logging.getLogger(__name__)

COOKIE_NAME = "lien_device"
COOKIE_SALT = "lien.accounts.devices"
# Browsers cap cookie lifetimes at 400 days.
COOKIE_MAX_AGE = int(timedelta(days=400).total_seconds())
USER_AGENT_MAX_LENGTH = KnownDevice._meta.get_field("user_agent").max_length or 300

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
]
# iPhones say "like Mac OS X", Android says "Linux".
SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def describe_user_agent(user_agent: str) -> str:
    """A short French description of a browser, such as « Firefox sur Windows »."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in SYSTEMS if marker in user_agent), None)
    if browser and system:
        return _("%(browser)s sur %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if system:
        return _("Navigateur sur %(system)s") % {"system": system}
    return _("Navigateur inconnu")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_token(request: HttpRequest) -> str | None:
    """The token of this browser's cookie, if it carries a valid one."""
    token = request.get_signed_cookie(COOKIE_NAME, default=None, salt=COOKIE_SALT)
    return token or None


def current_device(request: HttpRequest, user: User) -> KnownDevice | None:
    token = device_token(request)
    if token is None:
        return None
    return KnownDevice.objects.filter(user=user, token_hash=hash_token(token)).first()


def remember_device(request: HttpRequest, response: HttpResponse, user: User) -> KnownDevice:
    """Record a successful login from this browser, and (re)set its cookie on the response.

    When the user already knows other browsers but not this one, an e-mail tells them, after
    the transaction commits. The first login ever (such as the activation) notifies nobody.
    """
    token = device_token(request) or secrets.token_urlsafe(32)
    user_agent = request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH]
    now = timezone.now()
    with transaction.atomic():
        device = KnownDevice.objects.filter(user=user, token_hash=hash_token(token)).first()
        if device is None:
            knows_other_devices = KnownDevice.objects.filter(user=user).exists()
            device = KnownDevice.objects.create(
                user=user,
                token_hash=hash_token(token),
                user_agent=user_agent,
                first_seen_at=now,
                last_seen_at=now,
            )
            if knows_other_devices and user.email:
                message = new_device_message(user, device)
                transaction.on_commit(lambda: send_new_device_message(message, user))
        else:
            device.user_agent = user_agent
            device.last_seen_at = now
            device.save(update_fields=["user_agent", "last_seen_at"])
    response.set_signed_cookie(
        COOKIE_NAME,
        token,
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return device


def new_device_message(user: User, device: KnownDevice) -> EmailMessage:
    """The notice, written now in the request's language; sent later."""
    context = {
        "user": user,
        "when": timezone.localtime(device.first_seen_at),
        "browser": describe_user_agent(device.user_agent),
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    subject = render_to_string("accounts/email/new_device_subject.txt", context)
    body = render_to_string("accounts/email/new_device.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[user.email])


def send_new_device_message(message: EmailMessage, user: User) -> None:
    """Send the notice; a mail server that fails must never fail the login."""
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the new-device notice to user %s", user.pk)
