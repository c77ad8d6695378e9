"""Helpers for the news tests: items are written through the services, as a person would."""

from datetime import timedelta

from django.utils import timezone

from lien.news import services
from lien.news.models import Audience, NewsItem

Kind = Audience.Kind


def everyone() -> Audience:
    return Audience(kind=Kind.ESTABLISHMENT)


def pupils_of(school_class) -> Audience:
    return Audience(kind=Kind.CLASS, school_class=school_class)


def parents_of(school_class) -> Audience:
    return Audience(kind=Kind.CLASS_PARENTS, school_class=school_class)


def group(group) -> Audience:
    return Audience(kind=Kind.GROUP, group=group)


def publish(author, *audiences, publish=True, **fields) -> NewsItem:
    """An item by `author` (a profile), saved by check_save_item."""
    draft = services.ItemDraft(
        title=fields.pop("title", "Sortie au musée"),
        body=fields.pop("body", "Rendez-vous à 8 h devant le lycée."),
        audiences=list(audiences),
        **fields,
    )
    return services.check_save_item(author.user, author.establishment, draft, publish=publish)


def move(item: NewsItem, **dates) -> NewsItem:
    """Set an item's dates directly (a scheduled or expired item without waiting)."""
    for name, value in dates.items():
        setattr(item, name, value)
    item.save()
    return item


def in_hours(hours: float):
    return timezone.now() + timedelta(hours=hours)
