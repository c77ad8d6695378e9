from lien.core.profiles import active_profile as get_active_profile


def active_profile(request):
    profile = get_active_profile(request)
    return {
        "active_profile": profile,
        "user_profiles": getattr(request, "_lien_profiles", []),
    }
