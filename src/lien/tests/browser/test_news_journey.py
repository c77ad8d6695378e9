"""In Chromium, on a phone-sized screen: a teacher publishes an item asking the parents of 2nde A
to confirm their reading; a parent confirms with one click and the teacher's list of missing
confirmations shrinks; the teacher reminds the last parent; a parent of another class finds
nothing."""

import pytest

from lien.core.models import ParentLink, Profile
from lien.messaging.models import Delivery
from lien.news.models import NewsItem
from lien.tests.browser.conftest import PHONE, SCREENSHOTS
from lien.tests.browser.test_role_journeys import log_in
from lien.tests.factories import make_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def missing_rows(shown) -> list[str]:
    return [row.inner_text() for row in shown.locator("table tbody tr").all()]


def test_a_parent_acknowledges_and_the_missing_list_shrinks(
    page,  # noqa: F811
    other_page,
    live_server,
    cast,
    screenshot,  # noqa: F811
):
    server = live_server.url
    a = cast.a

    # The teacher publishes to « Parents de 2nde A », asking for a confirmation.
    log_in(page, live_server, a.teacher.user.username)
    page.wait_for_url(f"{server}/accueil/")
    page.goto(f"{server}/actualites/")
    page.get_by_role("link", name="Rédiger une actualité").click()
    page.get_by_label("Titre").fill("Autorisation de sortie au musée")
    page.get_by_label("Texte").fill("Merci de confirmer avant jeudi.")
    page.get_by_label("Parents de 2nde A").check()
    page.get_by_label("Demander aux parents de confirmer la lecture").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("news-compose-phone")
    page.get_by_role("button", name="Publier").click()
    item = NewsItem.objects.get()
    page.wait_for_url(f"{server}{item.get_absolute_url()}")
    assert "Actualité publiée." in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Voir qui n'a pas confirmé").click()
    assert "0 parents sur 2 ont confirmé." in page.locator("main").inner_text()
    assert len(missing_rows(page)) == 2

    # A parent of 2nde A sees it waiting, opens it and confirms with one click.
    parent = other_page()
    log_in(parent, live_server, a.parent.user.username)
    parent.wait_for_url(f"{server}/accueil/")
    parent.goto(f"{server}/actualites/")
    summary = parent.locator(".news-summary")
    assert "À confirmer" in summary.inner_text()
    parent.screenshot(path=str(SCREENSHOTS / "news-list-parent-phone.png"), full_page=True)
    summary.get_by_role("link", name="Autorisation de sortie au musée").click()
    parent.wait_for_url(f"{server}{item.get_absolute_url()}")
    parent.get_by_role("button", name="J'ai lu et pris connaissance").click()
    parent.wait_for_url(f"{server}{item.get_absolute_url()}")
    assert (
        "votre confirmation de lecture est enregistrée" in parent.get_by_role("status").inner_text()
    )
    assert parent.get_by_role("button", name="J'ai lu et pris connaissance").count() == 0
    assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    parent.screenshot(path=str(SCREENSHOTS / "news-item-parent-phone.png"), full_page=True)

    # The teacher's list shrinks to the parent who has not confirmed, who gets a reminder.
    page.reload()
    assert "1 parent sur 2 a confirmé." in page.locator("main").inner_text()
    [row] = missing_rows(page)
    assert a.classmate_parent.user.get_full_name() in row
    page.get_by_role("button", name="Relancer le parent qui n'a pas confirmé").click()
    assert "Relance envoyée" in page.get_by_role("status").inner_text()
    assert list(Delivery.objects.values_list("recipient", flat=True)) == [
        a.classmate_parent.user.pk
    ]
    screenshot("news-acknowledgements-phone")

    # A parent of another class finds nothing.
    outsider = make_profile(Profile.Role.PARENT, a.establishment, username="a.parent3")
    ParentLink.objects.create(parent=outsider, student=a.other_class_student)
    stranger = other_page()
    log_in(stranger, live_server, outsider.user.username)
    stranger.wait_for_url(f"{server}/accueil/")
    stranger.goto(f"{server}/actualites/")
    assert "Aucune actualité pour le moment." in stranger.locator("main").inner_text()
    assert stranger.goto(f"{server}{item.get_absolute_url()}").status == 404
