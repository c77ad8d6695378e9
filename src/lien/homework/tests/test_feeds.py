"""Private iCalendar feeds of the work due: they parse with the icalendar library."""

from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from lien.core.models import ParentLink
from lien.homework import feeds
from lien.homework.models import CalendarFeed
from lien.homework.tests.helpers import in_days, write

pytestmark = pytest.mark.django_db
PAGE = reverse("homework:feeds")


def feed_url(feed):
    return reverse("homework:feed", kwargs={"token": feed.token})


def events(client, feed):
    response = client.get(feed_url(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return calendar, list(calendar.walk("VEVENT"))


def test_a_pupils_feed_lists_their_work_as_all_day_events(cast, login, client):
    a = cast.a
    long_instructions = "Faire les exercices 4, 5 et 6 ; rédiger; \\ avec soin. " * 4
    [entry] = write(a.teacher, [a.class_a], works=(("Exercices 4 à 6", 2, 45),))
    item = entry.work_items.get()
    item.instructions = long_instructions
    item.save()
    write(a.other_teacher, [a.class_b], works=(("Pas pour elle", 2, 45),))
    write(a.teacher, [a.class_a], lesson=in_days(3), visible_from=in_days(3))
    page = login(a.student).get(PAGE)
    assert page.status_code == 200
    feed = CalendarFeed.objects.get(owner=a.student, student=a.student)
    assert feed_url(feed) in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"

    client.logout()  # calendar applications have no session: the token is the key
    calendar, [event] = events(client, feed)
    assert str(calendar["X-WR-CALNAME"]) == f"Travail à faire de {a.student.user.get_full_name()}"
    assert str(event["SUMMARY"]) == "Mathématiques : Exercices 4 à 6"
    assert event.decoded("DTSTART") == in_days(2)
    assert event.decoded("DTEND") == in_days(3)
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    description = str(event["DESCRIPTION"])
    assert description.startswith(long_instructions.strip())
    assert "Temps estimé : 45 min" in description
    uid = str(event["UID"])
    _calendar, [again] = events(client, feed)
    assert str(again["UID"]) == uid  # stable from one fetch to the next
    assert b"\r\n" in client.get(feed_url(feed)).content


def test_a_parent_has_one_feed_per_child(cast, login, client):
    a = cast.a
    write(a.teacher, [a.class_a], works=(("Pour l'aînée", 1, 20),))
    write(a.other_teacher, [a.class_b], works=(("Pour le frère", 1, 20),))
    text = login(a.parent).get(PAGE).content.decode()
    assert a.student.user.get_full_name() in text and a.sibling.user.get_full_name() in text
    feed = CalendarFeed.objects.get(owner=a.parent, student=a.sibling)
    client.logout()
    _calendar, [event] = events(client, feed)
    assert str(event["SUMMARY"]) == f"{a.sibling.user.first_name} · Mathématiques : Pour le frère"


def test_resetting_the_token_stops_the_old_address(cast, login, client):
    a = cast.a
    client = login(a.student)
    client.get(PAGE)
    feed = CalendarFeed.objects.get(owner=a.student)
    old = feed_url(feed)
    response = client.post(reverse("homework:reset-feed"), {"eleve": str(a.student.code)})
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed_url(feed) != old
    assert client.get(old).status_code == 404
    assert client.get(feed_url(feed)).status_code == 200


def test_nobody_resets_another_persons_feed(cast, login):
    a = cast.a
    feed = feeds.feed_for(feeds.FeedChoice(a.student, a.student))
    token = feed.token
    for who in (a.classmate, a.classmate_parent, a.teacher, cast.b.parent):
        response = login(who).post(reverse("homework:reset-feed"), {"eleve": str(a.student.code)})
        assert response.status_code == 404
    feed.refresh_from_db()
    assert feed.token == token


def test_a_feed_stops_with_the_parent_link_or_the_account(cast, client):
    a = cast.a
    parent_feed = feeds.feed_for(feeds.FeedChoice(a.parent, a.student))
    own_feed = feeds.feed_for(feeds.FeedChoice(a.student, a.student))
    assert client.get(feed_url(parent_feed)).status_code == 200
    ParentLink.objects.filter(parent=a.parent, student=a.student).delete()
    assert client.get(feed_url(parent_feed)).status_code == 404
    a.student.user.is_active = False
    a.student.user.save()
    assert client.get(feed_url(own_feed)).status_code == 404


def test_an_unknown_token_is_not_found(client, db):
    assert client.get(reverse("homework:feed", kwargs={"token": "inconnu"})).status_code == 404


@pytest.mark.parametrize("who", ["a.teacher", "a.direction", "operator"])
def test_the_feeds_page_is_for_pupils_and_parents(cast, login, who):
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    assert login(profile).get(PAGE).status_code == 403


def test_old_work_leaves_the_feed(cast, client):
    from lien.homework.models import WorkItem

    a = cast.a
    write(a.teacher, [a.class_a])
    feed = feeds.feed_for(feeds.FeedChoice(a.student, a.student))
    WorkItem.objects.update(due_date=in_days(-(feeds.PAST_DAYS + 1)))
    _calendar, found = events(client, feed)
    assert found == []
    WorkItem.objects.update(due_date=in_days(-1) - timedelta(days=1))
    _calendar, found = events(client, feed)
    assert len(found) == 1
