import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lien.admission.services import session_idle_minutes_for_request

LOGIN_TIME_KEY = "lien_login_time"
LAST_SEEN_KEY = "lien_last_seen"
# The session is written at most this often just to record activity.
TOUCH_INTERVAL_SECONDS = 60


class SessionLifetimeMiddleware:
    """Ends a session after inactivity and after an absolute lifetime, whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_time = session.setdefault(LOGIN_TIME_KEY, now)
            last_seen = session.get(LAST_SEEN_KEY, login_time)
            # Shorter for pupils and families of an establishment in crisis mode.
            idle_limit = (
                session_idle_minutes_for_request(request, settings.LIEN_SESSION_IDLE_MINUTES) * 60
            )
            lifetime_limit = settings.LIEN_SESSION_MAX_HOURS * 3600
            if now - last_seen > idle_limit or now - login_time > lifetime_limit:
                logout(request)
                messages.info(request, _("Votre session a expiré. Merci de vous reconnecter."))
                return redirect(settings.LOGIN_URL)
            if now - last_seen > TOUCH_INTERVAL_SECONDS:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)
