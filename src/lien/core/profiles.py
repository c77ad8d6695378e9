"""The profile a person is acting as, when they hold several (a teacher who is also a parent)."""

from django.http import HttpRequest

from lien.core.models import Profile

SESSION_KEY = "lien_active_profile"

# When a person holds several profiles, the first one shown is the most "professional".
ROLE_PRIORITY = [
    Profile.Role.STAFF,
    Profile.Role.OPERATOR,
    Profile.Role.TEACHER,
    Profile.Role.TUTOR,
    Profile.Role.PARENT,
    Profile.Role.STUDENT,
]


def profiles_of(user) -> list[Profile]:
    profiles = Profile.objects.filter(user=user).select_related("establishment", "collectivity")
    return sorted(profiles, key=lambda profile: (ROLE_PRIORITY.index(profile.role), profile.pk))


def active_profile(request: HttpRequest) -> Profile | None:
    """The profile chosen in this session, else the user's first profile; None without any."""
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_lien_active_profile", False)
    if cached is not False:
        return cached
    profiles = profiles_of(request.user)
    chosen_code = request.session.get(SESSION_KEY)
    profile = next((p for p in profiles if str(p.code) == chosen_code), None)
    if profile is None and profiles:
        profile = profiles[0]
    request._lien_active_profile = profile  # type: ignore[attr-defined]
    request._lien_profiles = profiles  # type: ignore[attr-defined]
    return profile


def choose_profile(request: HttpRequest, code: str) -> bool:
    """Switch the session to one of the user's own profiles; False if the code is not theirs."""
    if not any(str(p.code) == code for p in profiles_of(request.user)):
        return False
    request.session[SESSION_KEY] = code
    return True
