from django import template
from django.urls import reverse

from lien.core.models import SchoolClass

register = template.Library()


@register.filter
def log_url(target) -> str:
    """The log page of a class or group."""
    name = "homework:class-log" if isinstance(target, SchoolClass) else "homework:group-log"
    return reverse(name, kwargs={"code": target.code})


@register.filter
def workload_url(target) -> str:
    """The homework load page of a class or group."""
    is_class = isinstance(target, SchoolClass)
    name = "homework:class-workload" if is_class else "homework:group-workload"
    return reverse(name, kwargs={"code": target.code})
