"""Private iCalendar feeds of a pupil's work due, for the pupil and for each parent.

The address carries a random token and nothing else: calendar applications fetch it without a
session. The token is shown only to its owner, who can reset it (the old address then answers
404). A feed stops when its owner's account is deactivated or the parent link goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from lien.core.models import ParentLink, Profile
from lien.core.policy import Role, may_act
from lien.homework import policy, services
from lien.homework.models import CalendarFeed, new_feed_token

PAST_DAYS = 60
MAX_EVENTS = 500


@dataclass
class FeedChoice:
    """A feed its reader may have: their own work, or one child's."""

    owner: Profile
    student: Profile


def feed_choices(user) -> list[FeedChoice]:
    """The pupil's own feed, and each child's for a parent (every profile of the user)."""
    if not may_act(user):
        return []
    choices = [
        FeedChoice(profile, profile)
        for profile in Profile.objects.filter(user=user, role=Role.STUDENT).select_related("user")
    ]
    links = ParentLink.objects.filter(parent__user=user, student__role=Role.STUDENT)
    choices += [
        FeedChoice(link.parent, link.student)
        for link in links.select_related("parent", "student__user").order_by(
            "student__user__first_name", "pk"
        )
    ]
    return choices


def feed_for(choice: FeedChoice) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(owner=choice.owner, student=choice.student)
    return feed


def check_reset(user, choice: FeedChoice) -> None:
    if choice.owner.user_id != user.pk or not policy.can_view_todo(user, choice.student):
        raise services.Refused(_("Cet agenda n'est pas le vôtre."))


def do_reset(user, choice: FeedChoice) -> CalendarFeed:
    """A new token: the old address stops working at once."""
    check_reset(user, choice)
    with transaction.atomic():
        feed = feed_for(choice)
        feed.token = new_feed_token()
        feed.save(update_fields=["token"])
    return feed


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed, while its owner may still read the pupil's to-do list."""
    feed = (
        CalendarFeed.objects.select_related("owner__user", "student__user")
        .filter(token=token)
        .first()
    )
    if feed is None or not policy.can_view_todo(feed.owner.user, feed.student):
        return None
    if feed.owner.pk != feed.student.pk and not ParentLink.objects.filter(
        parent=feed.owner, student=feed.student
    ):
        return None
    return feed


def calendar_bytes(feed: CalendarFeed, todo_url: str, today: date | None = None) -> bytes:
    """The work due for the pupil, from two months ago on: one all-day event per work item on
    its due date."""
    today = today or timezone.localdate()
    student = feed.student
    is_parent_feed = feed.owner.pk != student.pk
    scope = services.scopes_of([student])[student.pk]
    items = (
        services.visible_work([scope], today)
        .filter(due_date__gte=today - timedelta(PAST_DAYS))
        .select_related("subject", "entry__teacher__user", "school_class", "group")
        .order_by("due_date", "subject__name", "pk")[:MAX_EVENTS]
    )
    name = student.user.get_full_name()
    calendar = Calendar()
    calendar.add("prodid", "-//Lien//Cahier de textes//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Travail à faire de %(name)s") % {"name": name})
    calendar.add("x-wr-timezone", "Europe/Paris")
    for item in items:
        summary = f"{item.subject.name} : {item.title}"
        if is_parent_feed:
            summary = f"{student.user.first_name} · {summary}"
        details = [
            item.instructions,
            _("Temps estimé : %(minutes)d min") % {"minutes": item.estimated_minutes},
            _("Donné le %(date)s par %(teacher)s (%(target)s)")
            % {
                "date": formats.date_format(item.entry.lesson_date, "SHORT_DATE_FORMAT"),
                "teacher": item.entry.teacher.user.get_full_name(),
                "target": item.target.name,
            },
        ]
        event = Event()
        event.add("uid", f"{item.code}-{student.code}@lien")
        event.add("dtstamp", item.updated_at)
        event.add("last-modified", item.updated_at)
        event.add("dtstart", item.due_date)
        event.add("dtend", item.due_date + timedelta(days=1))
        event.add("summary", summary)
        event.add("description", "\n\n".join(part for part in details if part))
        event.add("transp", "TRANSPARENT")
        event.add("url", todo_url)
        calendar.add_component(event)
    return calendar.to_ical()
