from lien.admission import services
from lien.core.profiles import active_profile


def crisis_banner(request):
    """`active_crisis`: the rules of the crisis mode of the establishment (or collectivité) of
    the profile in use, for a short banner; no query (the profile is cached on the request by
    lien.core.context_processors.active_profile, which runs first)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    snapshot = services.active_crises()
    if snapshot.is_empty:
        return {}
    profile = active_profile(request)
    if profile is None:
        return {}
    if profile.establishment is not None:
        rules = services.crisis_for(profile.establishment)
    else:
        rules = snapshot.by_collectivity.get(profile.collectivity_id)
    return {"active_crisis": rules}
