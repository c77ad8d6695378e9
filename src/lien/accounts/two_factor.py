"""Two-factor authentication with a TOTP application (django-otp), offered to staff accounts.

A device is created unconfirmed when the user opens the set-up page, and becomes active only
once a code from the application proves the secret was copied. While a login waits for its
code, the session holds only the pending user's id, never an authenticated user. Someone who
lost their phone gets it turned off by their establishment's account managers (`do_reset`).
"""

import base64
import logging
import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lien.accounts.models import User

logger = logging.getLogger(__name__)

DEVICE_NAME = "Lien"
PENDING_USER_KEY = "lien_2fa_user"
PENDING_SINCE_KEY = "lien_2fa_since"
PENDING_NEXT_KEY = "lien_2fa_next"
# Time allowed between the password and the code.
PENDING_SECONDS = 5 * 60


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def unconfirmed_device(user: User) -> TOTPDevice:
    """The device being set up, created on first use; the same secret until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def do_confirm_device(device: TOTPDevice, code: str) -> bool:
    """Activate the device if `code` is valid for it; False (nothing changed) otherwise."""
    with transaction.atomic():
        if not device.verify_token(code):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return True


def is_throttled(user: User) -> bool:
    """After a wrong code, django-otp refuses any code for a few seconds (doubling each time)."""
    return any(not device.verify_is_allowed()[0] for device in TOTPDevice.objects.filter(user=user))


def verify_code(user: User, code: str) -> TOTPDevice | None:
    """The confirmed device that accepts `code` (each code is accepted once), if any."""
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


def do_disable(user: User, code: str) -> bool:
    """Remove every TOTP device of the user if `code` is valid; else False, nothing changed."""
    with transaction.atomic():
        if verify_code(user, code) is None:
            return False
        TOTPDevice.objects.filter(user=user).delete()
    return True


def do_reset(user: User, reset_by: str) -> bool:
    """Turn off the user's two-factor authentication for someone who lost their phone.

    For support staff: the caller has checked the right (lien.core.policy.can_reset_two_factor).
    Removes every TOTP device, ends every session of the user (a stolen phone may hold one), and
    tells them by e-mail, naming `reset_by`, once committed; a failing mail server is logged,
    never raised. Returns False, changing nothing, when two-factor authentication is not enabled.
    """
    with transaction.atomic():
        devices = list(TOTPDevice.objects.select_for_update().filter(user=user))
        if not any(device.confirmed for device in devices):
            return False
        TOTPDevice.objects.filter(pk__in=[device.pk for device in devices]).delete()
        User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
        user.refresh_from_db(fields=["session_version"])
        if user.email:
            message = reset_message(user, reset_by)
            transaction.on_commit(lambda: send_reset_message(message, user))
    return True


def reset_message(user: User, reset_by: str) -> EmailMessage:
    """The notice, written now in the current language; sent later."""
    context = {
        "user": user,
        "reset_by": reset_by,
        "when": timezone.localtime(),
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    subject = render_to_string("accounts/email/two_factor_reset_subject.txt", context)
    body = render_to_string("accounts/email/two_factor_reset.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[user.email])


def send_reset_message(message: EmailMessage, user: User) -> None:
    """Send the notice; a mail server that fails must never undo or fail the reset."""
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the two-factor reset notice to user %s", user.pk)


def record_failed_code(request: HttpRequest, user: User) -> None:
    """A wrong code counts toward the account's lockout (django-axes), like a wrong password."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret in groups of four letters, for typing into an application by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an SVG QR code, in a data: URI (drawn here, no service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def start_pending_login(request: HttpRequest, user: User, next_url: str) -> None:
    """The password was right: remember whose code is awaited, without logging in yet."""
    request.session.cycle_key()
    request.session[PENDING_USER_KEY] = user.pk
    request.session[PENDING_SINCE_KEY] = time.time()
    request.session[PENDING_NEXT_KEY] = next_url


def pending_login(request: HttpRequest) -> tuple[User, str] | None:
    """The user whose code is awaited and where to go next; None if nothing or too late."""
    user_id = request.session.get(PENDING_USER_KEY)
    since = request.session.get(PENDING_SINCE_KEY, 0)
    if user_id is None or time.time() - since > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return user, request.session.get(PENDING_NEXT_KEY, "")


def clear_pending_login(request: HttpRequest) -> None:
    for key in (PENDING_USER_KEY, PENDING_SINCE_KEY, PENDING_NEXT_KEY):
        request.session.pop(key, None)
