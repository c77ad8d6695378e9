"""Pieces of the page layout shared by every page."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from lien.core import fragments, profiles

register = template.Library()


@register.simple_tag(takes_context=True)
def account_nav(context) -> SafeString:
    """The header's account links (name, profile switcher, unread badge, logout), cached per
    user, content version and profile in use (lien.core.fragments)."""
    request = context["request"]
    return fragments.cached(
        request,
        "account-nav",
        lambda: render_to_string("includes/account_nav.html", context.flatten()),
        vary=(request.session.get(profiles.SESSION_KEY, ""),),
        with_csrf=True,
    )
