from django import template
from django.urls import reverse

from lien.core.models import SchoolClass

register = template.Library()


@register.filter
def roster_url(target) -> str:
    """The roster page of a class; "" for anything else (a group has no roster page)."""
    if isinstance(target, SchoolClass):
        return reverse("directory:class-roster", args=[target.code])
    return ""
