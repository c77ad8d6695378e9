"""/actualites/: the items public now, pinned first then newest first, 20 a page; the writers'
other views (waiting, expired)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lien.news.tests.fixtures import everyone, in_hours, move, parents_of, publish, pupils_of

LIST = reverse("news:list")


def titles(response) -> list[str]:
    return [item.title for item in response.context["page_obj"].object_list]


def test_pinned_items_come_first_then_the_newest(cast, login):
    a = cast.a
    old = publish(a.direction, everyone(), title="Ancienne")
    move(old, publish_at=in_hours(-48))
    publish(a.direction, everyone(), title="Récente")
    pinned = publish(a.direction, everyone(), title="Épinglée", is_pinned=True)
    move(pinned, publish_at=in_hours(-72))
    response = login(a.student).get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["Épinglée", "Récente", "Ancienne"]
    assert 'class="card news-summary news-pinned"' in response.content.decode()


def test_the_list_is_paginated(cast, login):
    for number in range(23):
        publish(cast.a.direction, everyone(), title=f"Info {number:02d}")
    client = login(cast.a.parent)
    first = client.get(LIST)
    assert len(titles(first)) == 20
    assert titles(first)[0] == "Info 22"
    assert 'rel="next"' in first.content.decode()
    second = client.get(LIST, {"page": 2})
    assert titles(second) == ["Info 02", "Info 01", "Info 00"]


def test_a_parent_sees_what_waits_for_their_confirmation(cast, login):
    item = publish(cast.a.teacher, parents_of(cast.a.class_a), requires_acknowledgement=True)
    body = login(cast.a.parent).get(LIST).content.decode()
    assert "À confirmer" in body
    cast.a.parent.user.news_acknowledgements.create(item=item)
    body = login(cast.a.parent).get(LIST).content.decode()
    assert "À confirmer" not in body
    assert "Lu et pris connaissance" in body


def test_scheduled_and_expired_items_are_not_listed_for_their_audience(cast, login):
    a = cast.a
    publish(a.teacher, pupils_of(a.class_a), title="Demain", publish_at=in_hours(20))
    expired = publish(a.teacher, pupils_of(a.class_a), title="Hier")
    move(expired, publish_at=in_hours(-30), expires_at=in_hours(-2))
    publish(a.teacher, pupils_of(a.class_a), title="Aujourd'hui")
    assert titles(login(a.student).get(LIST)) == ["Aujourd'hui"]
    # The student cannot ask for the writers' views: the current list comes back.
    assert titles(login(a.student).get(LIST, {"vue": "expirees"})) == ["Aujourd'hui"]


def test_writers_see_their_waiting_and_expired_items_apart(cast, login):
    a = cast.a
    publish(a.teacher, pupils_of(a.class_a), title="Demain", publish_at=in_hours(20))
    publish(a.teacher, pupils_of(a.class_a), title="Brouillon", publish=False)
    expired = publish(a.teacher, pupils_of(a.class_a), title="Hier")
    move(expired, publish_at=in_hours(-30), expires_at=in_hours(-2))
    client = login(a.teacher)
    assert titles(client.get(LIST)) == []
    upcoming = client.get(LIST, {"vue": "a-venir"})
    assert sorted(titles(upcoming)) == ["Brouillon", "Demain"]
    assert "Programmée" in upcoming.content.decode()
    assert titles(client.get(LIST, {"vue": "expirees"})) == ["Hier"]
    # The direction sees the scheduled item, not the teacher's draft.
    assert titles(login(a.direction).get(LIST, {"vue": "a-venir"})) == ["Demain"]


@pytest.mark.parametrize("who", ["b.direction", "b.parent", "c.student", "operator"])
def test_nobody_elsewhere_sees_the_items_of_school_a(cast, login, who):
    publish(cast.a.direction, everyone(), title="Fermeture exceptionnelle")
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    response = login(profile).get(LIST)
    assert response.status_code == 200
    assert titles(response) == []
    assert "Fermeture exceptionnelle" not in response.content.decode()


def test_links_offered_by_role(cast, login):
    create = reverse("news:create-item")
    queue = reverse("news:validation-queue")
    settings_url = reverse("news:settings")
    flashes = reverse("news:flashes")
    direction = login(cast.a.direction).get(LIST).content.decode()
    assert all(url in direction for url in (create, queue, settings_url, flashes))
    teacher = login(cast.a.teacher).get(LIST).content.decode()
    assert create in teacher
    assert not any(url in teacher for url in (queue, settings_url, flashes))
    parent = login(cast.a.parent).get(LIST).content.decode()
    assert not any(url in parent for url in (create, queue, settings_url, flashes))
    assert flashes in login(cast.operator).get(LIST).content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_query_count_does_not_grow_with_the_items(cast, login):
    a = cast.a
    client = login(a.parent)
    for _warm in range(2):
        client.get(LIST)

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        return len(queries.captured_queries), len(titles(response))

    publish(a.teacher, parents_of(a.class_a), requires_acknowledgement=True)
    publish(a.direction, everyone(), parents_of(a.class_b))
    few, shown = count_queries()
    assert shown == 2
    for number in range(8):
        publish(a.direction, everyone(), parents_of(a.class_a), title=f"Info {number}")
        publish(a.teacher, parents_of(a.class_a), requires_acknowledgement=True)
    many, shown = count_queries()
    assert shown == 18
    assert many == few


def test_a_full_page_of_news_stays_within_the_page_budget(cast, login):
    from lien.home.tests.test_page_weight import BUDGET_BYTES, transferred_size

    for number in range(20):
        publish(
            cast.a.direction,
            everyone(),
            parents_of(cast.a.class_a),
            title=f"Information numéro {number} pour les familles",
            body="Bonjour, " + "voici une information importante pour la semaine. " * 20,
        )
    client = login(cast.a.parent)
    response = client.get(LIST)
    assert len(titles(response)) == 20
    assert transferred_size(client, response.content) < BUDGET_BYTES
