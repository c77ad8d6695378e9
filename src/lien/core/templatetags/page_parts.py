"""Pieces of the page layout shared by every page."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from lien.core import fragments, profiles

register = template.Library()


def account_nav_piece(request) -> fragments.Piece:
    return fragments.Piece(
        "account-nav", (request.session.get(profiles.SESSION_KEY, ""),), with_csrf=True
    )


@register.simple_tag(takes_context=True)
def account_nav(context) -> SafeString:
    """The header's account links (name, profile switcher, unread badge, logout), cached per
    user, content version and profile in use (lien.core.fragments)."""
    request = context["request"]
    piece = account_nav_piece(request)
    return fragments.cached(
        request,
        piece.name,
        lambda: render_to_string("includes/account_nav.html", context.flatten()),
        vary=piece.vary,
        with_csrf=piece.with_csrf,
    )
