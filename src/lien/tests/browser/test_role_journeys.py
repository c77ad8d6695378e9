"""Each role logs in through the real login form in Chromium and lands on its own home page."""

import pytest

from lien.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe ou code d'activation").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize(
    ("who", "heading", "expected_text"),
    [
        ("a.student", None, "Classe de 2nde A"),
        ("a.parent", None, "Mes enfants"),
        ("a.teacher", None, "Mes classes et groupes"),
        ("a.direction", "establishment", "Classes de l'année en cours"),
        ("operator", "collectivity", "Établissements"),
        ("a.tutor", None, "Élèves suivis"),
    ],
)
def test_each_role_lands_on_its_home_page(
    page, live_server, screenshot, cast, who, heading, expected_text
):
    profile = cast
    for attribute in who.split("."):
        profile = getattr(profile, attribute)
    log_in(page, live_server, profile.user.username)
    page.wait_for_url(f"{live_server.url}/accueil/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert expected_text in page.locator("main").inner_text()
    if heading == "establishment":
        assert page.locator("h1").inner_text() == profile.establishment.name
    if heading == "collectivity":
        assert page.locator("h1").inner_text() == profile.collectivity.name
    screenshot(f"home-{profile.role}")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/")


def test_wrong_password_shows_the_error_and_keeps_the_username(page, live_server, cast):
    log_in(page, live_server, cast.a.student.user.username, "pas-le-bon")
    alert = page.get_by_role("alert")
    assert "Identifiant ou mot de passe incorrect" in alert.inner_text()
    assert page.get_by_label("Identifiant ou adresse e-mail").input_value() == (
        cast.a.student.user.username
    )


def test_skip_link_moves_focus_to_the_content(page, live_server, cast):
    page.goto(f"{live_server.url}/connexion/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_login_page_renders_without_javascript(browser, live_server, cast):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, cast.a.teacher.user.username)
    page.wait_for_url(f"{live_server.url}/accueil/")
    assert "Mes classes et groupes" in page.locator("main").inner_text()
    context.close()
