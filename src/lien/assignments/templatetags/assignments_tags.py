from django import template

from lien.assignments import services
from lien.messaging.attachments import format_size

register = template.Library()


@register.filter
def mark(value) -> str:
    """A mark as a French teacher writes it: "12,5", "20"."""
    return services.format_mark(value)


@register.filter
def file_size(size: int) -> str:
    return format_size(size)
