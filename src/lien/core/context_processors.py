from django.utils.functional import SimpleLazyObject

from lien.core.profiles import active_profile as get_active_profile


def active_profile(request):
    """The profile in use and the user's profiles, looked up only if the page shows them (the
    header is usually cached: lien.core.templatetags.page_parts)."""

    def profiles():
        get_active_profile(request)
        return getattr(request, "_lien_profiles", [])

    return {
        "active_profile": SimpleLazyObject(lambda: get_active_profile(request)),
        "user_profiles": SimpleLazyObject(profiles),
    }
