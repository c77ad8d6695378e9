"""What the home pages take from the news: `home_items` (the latest items public now) and
`active_flashes`, in a fixed number of queries, with their include templates."""

from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from lien.news import services
from lien.news.models import Acknowledgement
from lien.news.tests.fixtures import everyone, in_hours, parents_of, publish


def test_home_items_are_the_latest_public_items_pinned_first(cast):
    a = cast.a
    for number in range(6):
        publish(a.direction, everyone(), title=f"Info {number}")
    publish(a.direction, everyone(), title="Épinglée", is_pinned=True)
    publish(a.direction, everyone(), title="Programmée", publish_at=in_hours(3))
    publish(a.direction, everyone(), title="Brouillon", publish=False)
    items = services.home_items(a.direction.user, a.direction)
    assert [item.title for item in items] == ["Épinglée", "Info 5", "Info 4", "Info 3", "Info 2"]
    assert len(services.home_items(a.parent.user, a.parent, limit=2)) == 2
    assert services.home_items(cast.b.parent.user, cast.b.parent) == []
    assert services.home_items(cast.operator.user, cast.operator) == []


def test_home_items_mark_what_a_parent_still_has_to_confirm(cast):
    a = cast.a
    waiting = publish(
        a.teacher, parents_of(a.class_a), title="Signer", requires_acknowledgement=True
    )
    publish(a.teacher, parents_of(a.class_a), title="Lire", requires_acknowledgement=True)
    Acknowledgement.objects.create(item=waiting, user=a.classmate_parent.user)
    marks = {
        item.title: item.awaits_acknowledgement
        for item in services.home_items(a.parent.user, a.parent)
    }
    assert marks == {"Signer": True, "Lire": True}
    marks = {
        item.title: item.awaits_acknowledgement
        for item in services.home_items(a.classmate_parent.user, a.classmate_parent)
    }
    assert marks == {"Signer": False, "Lire": True}
    # A teacher is never asked.
    assert not any(
        item.awaits_acknowledgement for item in services.home_items(a.teacher.user, a.teacher)
    )


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries.captured_queries)


def test_the_home_functions_run_the_same_queries_whatever_the_data(cast):
    a = cast.a
    parent = a.parent

    def home():
        items = services.home_items(parent.user, parent)
        flashes = services.active_flashes(parent.user, parent)
        return items, flashes

    publish(a.teacher, parents_of(a.class_a), requires_acknowledgement=True)
    services.check_post_flash(
        a.direction.user,
        services.FlashDraft("Un", ["parent"], None, in_hours(2)),
        establishment=a.establishment,
    )
    few = count_queries(home)
    for number in range(5):
        publish(a.direction, everyone(), parents_of(a.class_b), title=f"Info {number}")
        services.check_post_flash(
            cast.operator.user,
            services.FlashDraft(f"Flash {number}", ["parent"], None, in_hours(2)),
            collectivity=a.establishment.collectivity,
        )
    items, flashes = home()
    assert (len(items), len(flashes)) == (5, 6)
    assert count_queries(home) == few


def test_the_home_include_lists_the_items(cast):
    a = cast.a
    publish(a.teacher, parents_of(a.class_a), title="Sortie", requires_acknowledgement=True)
    request = RequestFactory().get("/accueil/")
    request.user = a.parent.user
    html = render_to_string(
        "news/_home_news.html",
        {"news_items": services.home_items(a.parent.user, a.parent)},
        request=request,
    )
    assert '<h3 class="news-title">' in html
    assert "Sortie" in html and "À confirmer" in html
    assert 'href="/actualites/"' in html
    empty = render_to_string("news/_home_news.html", {"news_items": []}, request=request)
    assert "Aucune actualité pour le moment." in empty
