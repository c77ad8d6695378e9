"""Showing a message body safely (every character escaped, paragraphs kept, links clickable), and
the messaging's side navigation."""

from django import template
from django.template.defaultfilters import linebreaks_filter
from django.template.loader import render_to_string
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

from lien.core import fragments, profiles
from lien.messaging import attachments

register = template.Library()


@register.filter
def file_size(size: int) -> str:
    """A file's size as it reads in French: "350 ko", "2,4 Mo"."""
    return attachments.format_size(size)


@register.filter(is_safe=True)
def message_body(text: str) -> SafeString:
    """Plain text to HTML: no HTML of the author passes through.

    urlize escapes the text and links the addresses it finds; the author's own text can't
    contain a raw `rel="nofollow"` (its quotes were escaped), so the replacement only touches the
    links urlize made.
    """
    linked = urlize(text or "", nofollow=True, autoescape=True)
    linked = linked.replace(' rel="nofollow"', ' rel="nofollow noopener"')
    return linebreaks_filter(mark_safe(linked), autoescape=True)


def messaging_nav_piece(request, current: str) -> fragments.Piece:
    return fragments.Piece(
        "messaging-nav", (current, request.session.get(profiles.SESSION_KEY, ""))
    )


@register.simple_tag(takes_context=True)
def messaging_nav(context) -> SafeString:
    """The side navigation (unread badge, own folders, the links this profile is offered),
    cached per user, content version, current page and profile in use."""
    request = context["request"]
    piece = messaging_nav_piece(request, context.get("mailbox_current", ""))
    return fragments.cached(
        request,
        piece.name,
        lambda: render_to_string("messaging/includes/nav.html", context.flatten()),
        vary=piece.vary,
    )
