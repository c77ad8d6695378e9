"""The home pages are cached per user and content version (lien.core.fragments): every news
write that changes what a home page shows replaces the version of the people concerned."""

import pytest
from django.test import RequestFactory

from lien.core import fragments
from lien.news import services
from lien.news.tests.fixtures import everyone, in_hours, parents_of, publish


class HomePiece:
    """A piece of a person's home page, cached as the home view caches it."""

    def __init__(self, profile):
        self.profile = profile
        self.computed = 0

    def show(self):
        request = RequestFactory().get("/accueil/")
        request.user = self.profile.user
        return fragments.cached(request, "home-test", self.compute)

    def compute(self):
        self.computed += 1
        return [item.title for item in services.home_items(self.profile.user, self.profile)]

    def recomputed_after(self, write) -> bool:
        self.show()
        before = self.computed
        write()
        self.show()
        return self.computed > before


@pytest.fixture
def pieces(cast):
    return {who: HomePiece(getattr(cast.a, who)) for who in ("parent", "student")}


def test_a_publication_refreshes_the_home_pages_of_the_establishment(cast, pieces):
    parent = pieces["parent"]
    parent.show()
    parent.show()
    assert parent.computed == 1
    assert parent.recomputed_after(lambda: publish(cast.a.direction, everyone(), title="Info"))
    assert parent.show() == ["Info"]
    # In another establishment, nothing changes.
    other = HomePiece(cast.b.parent)
    assert not other.recomputed_after(lambda: publish(cast.a.direction, everyone()))


def test_a_draft_refreshes_nobody_else(cast, pieces):
    assert not pieces["parent"].recomputed_after(
        lambda: publish(cast.a.teacher, parents_of(cast.a.class_a), publish=False)
    )


def test_a_confirmation_refreshes_the_parents_home_page(cast, pieces):
    item = publish(cast.a.teacher, parents_of(cast.a.class_a), requires_acknowledgement=True)
    assert pieces["parent"].recomputed_after(
        lambda: services.check_acknowledge(cast.a.parent.user, item)
    )
    assert not pieces["student"].recomputed_after(
        lambda: services.check_acknowledge(cast.a.classmate_parent.user, item)
    )


def test_posting_and_dismissing_a_banner_refresh_the_home_pages(cast, pieces):
    parent = pieces["parent"]
    draft = services.FlashDraft("Fermeture", ["parent"], None, in_hours(3))
    assert parent.recomputed_after(
        lambda: services.check_post_flash(
            cast.operator.user, draft, collectivity=cast.a.establishment.collectivity
        )
    )
    flash = services.active_flashes(cast.a.parent.user, cast.a.parent)[0]
    assert parent.recomputed_after(
        lambda: services.check_dismiss_flash(cast.a.parent.user, cast.a.parent, flash.code)
    )
    assert not pieces["student"].recomputed_after(
        lambda: services.check_dismiss_flash(
            cast.a.classmate_parent.user, cast.a.classmate_parent, flash.code
        )
    )
