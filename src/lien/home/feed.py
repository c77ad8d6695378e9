"""« Quoi de neuf ? »: what changed for a user across the services, newest first, one page at a
time.

Each source (messages received, news, work to do, feedback returned, hand-ins received) is read
through its own app's visibility rules, ordered by its own date and cut at the end of the asked
page (plus one row, to know whether a next page exists); the sources are then merged in Python.
A page costs a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from heapq import merge
from itertools import islice

from django.db.models import DateTimeField, QuerySet
from django.db.models.functions import Cast, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lien.assignments.models import Feedback, Submission
from lien.core.models import Profile
from lien.core.policy import children_of
from lien.homework import services as homework
from lien.messaging import services as messaging
from lien.messaging.models import Delivery
from lien.news import policy as news_policy
from lien.news import services as news

Role = Profile.Role
PER_PAGE = 8
MAX_PAGE = 50  # deeper pages are the apps' own lists
FEED_ROLES = (Role.STUDENT, Role.PARENT, Role.TEACHER, Role.STAFF)
PAGE_PARAM = "nouveautes"


@dataclass(frozen=True)
class FeedEntry:
    moment: datetime
    kind: str  # message | news | work | feedback | hand_in
    text: str
    url: str
    concerns: str = ""  # for a parent: the children it is about


@dataclass
class FeedPage:
    entries: list[FeedEntry] = field(default_factory=list)
    number: int = 1
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def page_number(value: str | None) -> int:
    """The feed page asked in the query string; page 1 for anything unusable."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def whats_new(user, profile: Profile, page: int = 1, per_page: int = PER_PAGE) -> FeedPage:
    page = min(max(page, 1), MAX_PAGE)
    if profile.role not in FEED_ROLES or profile.user_id != user.pk:
        return FeedPage(number=page)
    limit = page * per_page + 1
    sources = [_messages(user, limit), _news(user, profile, limit)]
    if profile.role in (Role.STUDENT, Role.PARENT):
        students = [profile] if profile.role == Role.STUDENT else list(children_of(user))
        names = (
            {student.pk: student.user.first_name for student in students}
            if profile.role == Role.PARENT
            else {}
        )
        sources += [_work(students, names, limit), _feedback(students, names, limit)]
    elif profile.role == Role.TEACHER:
        sources.append(_hand_ins(profile, limit))
    newest_first = merge(*sources, key=lambda entry: entry.moment, reverse=True)
    wanted = list(islice(newest_first, (page - 1) * per_page, page * per_page + 1))
    return FeedPage(wanted[:per_page], page, len(wanted) > per_page)


def _messages(user, limit: int) -> list[FeedEntry]:
    deliveries = (
        messaging.visible_deliveries(user)
        .exclude(box__in=[Delivery.Box.TRASH, Delivery.Box.DELETED])
        .select_related("message__sender")
        .order_by("-message__sent_at", "-pk")[:limit]
    )
    return [
        FeedEntry(
            delivery.message.sent_at,
            "message",
            _("Nouveau message de %(sender)s : %(subject)s")
            % {
                "sender": delivery.message.sender.get_full_name(),
                "subject": delivery.message.subject,
            },
            reverse("messaging:message", args=[delivery.message.code]),
        )
        for delivery in deliveries
    ]


def _news(user, profile: Profile, limit: int) -> list[FeedEntry]:
    moment = timezone.now()
    items = (
        news.visible_news(user, profile, moment)
        .filter(news_policy.public_at(moment))
        .order_by("-publish_at", "-pk")[:limit]
    )
    return [
        FeedEntry(
            item.publish_at,
            "news",
            _("Nouvelle actualité : %(title)s") % {"title": item.title},
            reverse("news:item", args=[item.code]),
        )
        for item in items
    ]


def _shown_from(visible_from) -> datetime:
    """When work became visible: the start of its visibility day (as the database casts it)."""
    return datetime.combine(visible_from, time.min, tzinfo=UTC)


def _work(students: list[Profile], names: dict[int, str], limit: int) -> list[FeedEntry]:
    """Work newly visible to the pupils: since it was written, or since its visibility day for
    work prepared in advance."""
    scopes = homework.scopes_of(students)
    items: QuerySet = (
        homework.visible_work(scopes.values(), timezone.localdate())
        .annotate(
            shown_at=Greatest("created_at", Cast("visible_from", DateTimeField())),
        )
        .select_related("subject")
        .order_by("-shown_at", "-pk")[:limit]
    )
    todo = reverse("homework:todo")
    entries = []
    for item in items:
        concerned = [s for s in students if scopes[s.pk].holds(item)]
        url = f"{todo}?enfant={concerned[0].code}" if names and concerned else todo
        entries.append(
            FeedEntry(
                max(item.created_at, _shown_from(item.visible_from)),
                "work",
                _("Nouveau travail en %(subject)s pour le %(date)s")
                % {"subject": item.subject.name, "date": date_format(item.due_date, "d/m")},
                url,
                ", ".join(names[s.pk] for s in concerned) if names else "",
            )
        )
    return entries


def _feedback(students: list[Profile], names: dict[int, str], limit: int) -> list[FeedEntry]:
    """Feedback returned on the pupils' hand-ins: what the pupil and their parents may read
    (lien.assignments.policy.can_view_submission)."""
    returned = (
        Feedback.objects.filter(submission__student__in=students)
        .select_related("submission__assignment")
        .order_by("-given_at", "-pk")[:limit]
    )
    return [
        FeedEntry(
            feedback.given_at,
            "feedback",
            _("Travail corrigé : « %(title)s »") % {"title": feedback.submission.assignment.title},
            reverse("assignments:detail", args=[feedback.submission.assignment.code]),
            names.get(feedback.submission.student_id, ""),
        )
        for feedback in returned
    ]


def _hand_ins(teacher: Profile, limit: int) -> list[FeedEntry]:
    """Hand-ins on the teacher's own assignments (lien.assignments.policy.can_give_feedback)."""
    submissions = (
        Submission.objects.filter(assignment__teacher=teacher)
        .select_related("assignment", "student__user")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    return [
        FeedEntry(
            submission.submitted_at,
            "hand_in",
            _("Nouveau dépôt de %(student)s : « %(title)s »")
            % {
                "student": submission.student.user.get_full_name(),
                "title": submission.assignment.title,
            },
            reverse("assignments:submission", args=[submission.code]),
        )
        for submission in submissions
    ]
