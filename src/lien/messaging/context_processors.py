"""What every page needs from messaging: the unread count in the header, and (only on the
messaging pages, which use them) the user's own folders and the links the side navigation
offers to this user."""

from functools import partial

from lien.core import fragments
from lien.core.policy import can_handle_message_reports
from lien.core.profiles import active_profile
from lien.messaging import mailbox, policy, services


def unread_count(request) -> int:
    """The user's unread count, computed once per request, when a template first shows it."""
    cached = getattr(request, "_lien_messaging_unread", None)
    if cached is None:
        cached = fragments.cached(
            request, "unread-count", lambda: services.unread_count(request.user)
        )
        request._lien_messaging_unread = cached
    return cached


def own_folders(request) -> list:
    cached = getattr(request, "_lien_messaging_folders", None)
    if cached is None:
        cached = list(mailbox.folders_of(request.user))
        request._lien_messaging_folders = cached
    return cached


def handles_reports(request) -> bool:
    """Whether the side navigation offers « Signalements » (direction and CPE of the
    establishment of the profile in use), computed once per request."""
    cached = getattr(request, "_lien_messaging_handles_reports", None)
    if cached is None:
        profile = active_profile(request)
        establishment = profile.establishment if profile is not None else None
        cached = establishment is not None and can_handle_message_reports(
            request.user, establishment
        )
        request._lien_messaging_handles_reports = cached
    return cached


def adjusts_rules(request) -> bool:
    """Whether the side navigation offers « Règles de la messagerie » (direction and ENT
    administrators of the establishment of the profile in use), computed once per request."""
    cached = getattr(request, "_lien_messaging_adjusts_rules", None)
    if cached is None:
        profile = active_profile(request)
        establishment = profile.establishment if profile is not None else None
        cached = establishment is not None and policy.can_adjust_messaging_rules(
            request.user, establishment
        )
        request._lien_messaging_adjusts_rules = cached
    return cached


def messaging(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Templates call these: nothing is queried unless a page shows it.
    return {
        "messaging_unread": partial(unread_count, request),
        "messaging_folders": partial(own_folders, request),
        "messaging_handles_reports": partial(handles_reports, request),
        "messaging_adjusts_rules": partial(adjusts_rules, request),
    }
