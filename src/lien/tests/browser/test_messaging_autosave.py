"""The autosave script in Chromium: a draft saved every 15 s and when leaving, never twice."""

import time

import pytest

from lien.messaging.models import Message
from lien.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_the_draft_is_saved_in_the_background_then_sent_in_place(
    page, live_server, cast, screenshot
):
    page.clock.install()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(cast.a.teacher.user.username)
    page.get_by_label("Mot de passe ou code d'activation").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/accueil/")
    page.goto(f"{live_server.url}/messagerie/nouveau/")

    page.get_by_label("Parents de 2nde A").check()
    page.get_by_label("Objet").fill("Sortie au musée")
    page.get_by_label("Message", exact=True).fill("Premier jet")
    page.clock.fast_forward("00:16")
    status = page.locator("#autosave-status")
    status.filter(has_text="Brouillon enregistré à").wait_for()
    draft = Message.objects.get(sender=cast.a.teacher.user)
    assert draft.is_draft
    assert draft.body == "Premier jet"
    assert page.locator("input[name=draft]").input_value() == str(draft.code)
    screenshot("messaging-compose")

    # Leaving the page (here: the event alone) sends a beacon that updates the same draft.
    page.get_by_label("Message", exact=True).fill("Second jet")
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    wait_for(lambda: Message.objects.get(pk=draft.pk).body == "Second jet")

    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(f"{live_server.url}/messagerie/messages/{draft.code}/")
    sent = Message.objects.get(sender=cast.a.teacher.user)
    assert sent.pk == draft.pk
    assert sent.sent_at is not None
    assert sent.recipient_count == 2


def test_the_autosave_leaves_the_chosen_file_for_the_send(
    page, live_server, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page.clock.install()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(cast.a.teacher.user.username)
    page.get_by_label("Mot de passe ou code d'activation").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/accueil/")
    page.goto(f"{live_server.url}/messagerie/nouveau/")

    page.get_by_label("Parents de 2nde A").check()
    page.get_by_label("Objet").fill("Sortie au musée")
    page.get_by_label("Pièces jointes").set_input_files(
        files=[{"name": "liste.txt", "mimeType": "text/plain", "buffer": b"Cahier, stylo.\n"}]
    )
    posted = []
    page.on(
        "request",
        lambda request: request.method == "POST" and posted.append(request.post_data_buffer),
    )
    page.clock.fast_forward("00:16")
    page.locator("#autosave-status").filter(has_text="Brouillon enregistré à").wait_for()
    [autosave] = posted
    assert b'name="action"\r\n\r\nautosave' in autosave
    assert b"liste.txt" not in autosave
    draft = Message.objects.get(sender=cast.a.teacher.user)
    assert draft.subject == "Sortie au musée"
    assert draft.attachments.count() == 0

    page.get_by_label("Message", exact=True).fill("La liste est jointe.")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(f"{live_server.url}/messagerie/messages/{draft.code}/")
    sent = Message.objects.get(sender=cast.a.teacher.user)
    assert sent.sent_at is not None
    assert list(sent.attachments.values_list("original_name", "size")) == [("liste.txt", 15)]
