"""The pages people see instead of Lien while they wait, and the signed ticket that keeps their
place from one reload to the next.

Both pages are standalone (no base.html, no context processor): they cost no query, weigh a
few hundred bytes and need no JavaScript.
"""

from __future__ import annotations

import math
import random
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language

from lien.admission.priority import PriorityClass
from lien.admission.services import ParentsClosed
from lien.admission.state import DRAIN_WINDOW, Admission

TICKET_COOKIE = "lien_file_attente"
TICKET_SALT = "lien.admission.ticket"
# Longer than any wait; the place itself is lost after WAITING_TTL seconds without a reload.
TICKET_MAX_AGE = 6 * 3600


def sign_ticket(priority: PriorityClass, ticket: int) -> str:
    return signing.dumps({"c": int(priority), "t": ticket}, salt=TICKET_SALT)


def ticket_from(request: HttpRequest, priority: PriorityClass) -> int:
    """The ticket the request's cookie holds for this class; 0 when absent, forged, expired or
    taken in another class (a parent cannot wait with a teacher's ticket)."""
    value = request.COOKIES.get(TICKET_COOKIE)
    if not value:
        return 0
    try:
        data = signing.loads(value, salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
        ticket = int(data["t"])
        if int(data["c"]) != priority or ticket < 1:
            return 0
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return 0
    return ticket


def refresh_seconds(place: int) -> int:
    """Reload soon when near the front, less often further back, with some jitter so that the
    reloads of a whole line do not come at once."""
    base = 5 if place <= 10 else 10 if place <= 100 else 20
    return base + random.randint(0, base // 2)


def estimated_wait_minutes(place: int, drained: int) -> int | None:
    """Minutes (0: less than one) at the pace people left the line over the last minute;
    None before anyone has left it."""
    if drained <= 0:
        return None
    seconds = place * DRAIN_WINDOW / drained
    return 0 if seconds < 60 else math.ceil(seconds / 60)


def _logout_form(request: HttpRequest, authenticated: bool) -> dict:
    """A logout button (a family computer: let the pupil in), with the CSRF token from the
    session's cookie, without rendering through the context processors."""
    if not authenticated:
        return {}
    return {"logout_url": reverse("accounts:logout"), "csrf_token_value": get_token(request)}


def _standalone_response(body: str, retry_after: int) -> HttpResponse:
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    # Expected under load: not an error for django.request's log (a line per waiting page).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def waiting_response(
    request: HttpRequest, priority: PriorityClass, admission: Admission
) -> HttpResponse:
    seconds = refresh_seconds(admission.place)
    login_url = reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()})
    body = render_to_string(
        "admission/waiting.html",
        {
            "language_code": get_language() or settings.LANGUAGE_CODE,
            "place": admission.place,
            "wait_minutes": estimated_wait_minutes(admission.place, admission.drained),
            "refresh_seconds": seconds,
            "this_page": request.get_full_path(),
            "login_url": login_url if priority == PriorityClass.ANONYMOUS else "",
            **_logout_form(request, priority != PriorityClass.ANONYMOUS),
        },
    )
    response = _standalone_response(body, seconds)
    response.set_cookie(
        TICKET_COOKIE,
        sign_ticket(priority, admission.ticket),
        max_age=TICKET_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def forget_ticket(request: HttpRequest, response: HttpResponse) -> None:
    if TICKET_COOKIE in request.COOKIES:
        response.delete_cookie(TICKET_COOKIE, samesite="Lax")


def closed_response(request: HttpRequest, closed: ParentsClosed, now: datetime) -> HttpResponse:
    """For parents outside the hours their establishment opened to them during a crisis."""
    seconds = max(60, int((closed.opening - now).total_seconds()))
    body = render_to_string(
        "admission/closed.html",
        {
            "language_code": get_language() or settings.LANGUAGE_CODE,
            "reasons": closed.reasons,
            "windows": closed.windows,
            "opening": timezone.localtime(closed.opening),
            "opens_today": timezone.localdate(closed.opening) == timezone.localdate(now),
            "refresh_seconds": seconds,
            **_logout_form(request, True),
        },
    )
    return _standalone_response(body, seconds)
