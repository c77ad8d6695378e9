"""Counting page views and sessions, cheaply: no profile query and no database write per page."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from redis import RedisError

from lien.core.models import Profile
from lien.core.profiles import SESSION_KEY as ACTIVE_PROFILE_KEY
from lien.core.profiles import active_profile, profiles_of
from lien.usage import counters
from lien.usage.batch import Key
from lien.usage.models import ALL_SERVICES

logger = logging.getLogger(__name__)

# [the active-profile choice it was computed for, establishment id, role]: the establishment
# and role a session counts for, read from the session instead of the profiles.
SESSION_KEY = "lien_usage"


def _scope(profile: Profile | None) -> tuple[int, str] | None:
    """Usage is an establishment's: operators (and accounts without a profile) are not counted."""
    if profile is None or profile.establishment_id is None:
        return None
    return profile.establishment_id, profile.role


def _remember(session, scope: tuple[int, str] | None) -> None:
    session[SESSION_KEY] = [session.get(ACTIVE_PROFILE_KEY), *(scope or (None, None))]


def session_scope(request: HttpRequest) -> tuple[int, str] | None:
    """The (establishment id, role) the request's page views count for. Read from the session;
    computed from the active profile once per session and after each profile switch."""
    remembered = request.session.get(SESSION_KEY)
    if (
        isinstance(remembered, list)
        and len(remembered) == 3
        and remembered[0] == request.session.get(ACTIVE_PROFILE_KEY)
    ):
        return (remembered[1], remembered[2]) if remembered[1] is not None else None
    scope = _scope(active_profile(request))
    _remember(request.session, scope)
    return scope


def page_service(request: HttpRequest, response: HttpResponse) -> str | None:
    """The app ("messaging", "home"…) of a page of Lien shown to a logged-in user; None for
    what is not a page view: a static file, an error, a redirect (the page it leads to
    counts), a download, a JSON answer, a form post, /sante/."""
    match = request.resolver_match
    status = response.status_code
    if (
        request.method == "GET"
        and match is not None
        and match.app_names
        and (200 <= status < 300 or status == 304)
        and (status == 304 or response.get("Content-Type", "").startswith("text/html"))
        and request.user.is_authenticated
    ):
        return match.app_names[0]
    return None


class UsageMiddleware:
    """Counts each page view by day, establishment, role and service (the page's app)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        service = page_service(request, response)
        scope = session_scope(request) if service else None
        if service and scope:
            try:
                key = Key(timezone.localdate(), *scope, service)
                counters.count_page_view(key, request.user.pk)
            except (RedisError, DatabaseError):
                # Statistics never cost a page: the view is lost, the page is served.
                logger.warning("Usage: a page view could not be counted.", exc_info=True)
        return response


def count_login(sender, request, user, **kwargs) -> None:
    """On user_logged_in: one session ("connexion") for the profile the session starts with,
    remembered in the session for the page views that follow."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if getattr(request, "user", None) == user:
        profile = active_profile(request)
    else:
        # A request without a user (Client.force_login): a new session, no profile chosen yet.
        profile = next(iter(profiles_of(user)), None)
    scope = _scope(profile)
    _remember(session, scope)
    if scope is None:
        return
    try:
        counters.count_session(Key(timezone.localdate(), *scope, ALL_SERVICES))
    except (RedisError, DatabaseError):
        logger.warning("Usage: a session could not be counted.", exc_info=True)
