"""The messaging journey in Chromium, on a phone-sized screen: a teacher writes to the parents of
2nde A with a PDF; a parent sees the unread badge, reads, downloads the file and replies; the
teacher sees who read and the reply; a parent of another class finds nothing."""

from pathlib import Path

import pytest

from lien.core.models import ParentLink, Profile
from lien.messaging.models import Message
from lien.tests.browser.conftest import PHONE, SCREENSHOTS, small_pdf
from lien.tests.browser.test_role_journeys import log_in
from lien.tests.factories import make_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE_NAME = "Autorisation sortie musée.pdf"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_teacher_writes_to_class_parents_with_a_file_and_a_parent_replies(
    page, other_page, live_server, cast, screenshot, tmp_path
):
    pdf = small_pdf("Autorisation de sortie au musée — à signer.")
    server = live_server.url

    # The teacher writes to « Parents de 2nde A » with a PDF.
    log_in(page, live_server, cast.a.teacher.user.username)
    page.wait_for_url(f"{server}/accueil/")
    page.goto(f"{server}/messagerie/nouveau/")
    page.get_by_label("Parents de 2nde A").check()
    page.get_by_label("Objet").fill("Sortie au musée")
    page.get_by_label("Message", exact=True).fill(
        "Bonjour,\nvoici l'autorisation de sortie à signer pour jeudi."
    )
    page.get_by_label("Pièces jointes").set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "application/pdf", "buffer": pdf}]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("messaging-compose-phone")
    page.get_by_role("button", name="Envoyer").click()
    message = Message.objects.get(sender=cast.a.teacher.user)
    page.wait_for_url(f"{server}/messagerie/messages/{message.code}/")
    assert "Message envoyé." in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("link", name=FILE_NAME).count() == 1
    assert message.recipient_count == 2

    # A parent of 2nde A sees the unread badge, opens the message, downloads the file.
    parent = other_page()
    log_in(parent, live_server, cast.a.parent.user.username)
    parent.wait_for_url(f"{server}/accueil/")
    badge = parent.locator("header .badge")
    assert badge.text_content() == "1 non lu"
    parent.get_by_role("link", name="Messagerie").first.click()
    parent.wait_for_url(f"{server}/messagerie/")
    row = parent.locator("tr.unread")
    assert "Sortie au musée" in row.inner_text()
    assert row.locator(".attachment-marker").text_content() == "📎pièce jointe"
    row.get_by_role("link", name="Sortie au musée").click()
    parent.wait_for_url(f"{server}/messagerie/messages/{message.code}/")
    with parent.expect_download() as download_info:
        parent.get_by_role("link", name=FILE_NAME).click()
    download = download_info.value
    assert download.suggested_filename == FILE_NAME
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert Path(saved).read_bytes() == pdf
    assert parent.get_by_role("link", name="Signaler ce message").count() == 1
    assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    parent.screenshot(
        path=str(SCREENSHOTS / "messaging-message-recipient-phone.png"), full_page=True
    )

    # … and replies.
    parent.get_by_role("link", name="Répondre", exact=True).click()
    parent.get_by_label("Message", exact=True).fill("Merci, l'autorisation est signée.")
    parent.get_by_role("button", name="Envoyer").click()
    reply = Message.objects.get(sender=cast.a.parent.user)
    parent.wait_for_url(f"{server}/messagerie/messages/{reply.code}/")
    assert reply.in_reply_to_id == message.pk
    assert reply.subject == "Re : Sortie au musée"

    # The teacher sees who read it, then the reply in the inbox.
    page.reload()
    assert page.locator(".read-stats").get_by_text("1 / 2 lus").count() == 1
    screenshot("messaging-message-phone")
    page.goto(f"{server}/messagerie/")
    # (Read already: the thread shown on the message page includes it.)
    [reply_row] = page.locator("table.mailbox tbody tr").all()
    assert "Re : Sortie au musée" in reply_row.inner_text()
    assert cast.a.parent.user.get_full_name() in reply_row.inner_text()
    screenshot("messaging-inbox-phone")

    # A parent of another class finds nothing, and cannot open or answer the message.
    outsider = make_profile(Profile.Role.PARENT, cast.a.establishment, username="a.parent3")
    ParentLink.objects.create(parent=outsider, student=cast.a.other_class_student)
    stranger = other_page()
    log_in(stranger, live_server, outsider.user.username)
    stranger.wait_for_url(f"{server}/accueil/")
    assert stranger.locator("header .badge").count() == 0
    stranger.goto(f"{server}/messagerie/")
    assert "Aucun message." in stranger.locator("main").inner_text()
    assert stranger.goto(f"{server}/messagerie/messages/{message.code}/").status == 404
    assert stranger.goto(f"{server}/messagerie/messages/{message.code}/repondre/").status == 404
    attachment = message.attachments.get()
    assert stranger.goto(f"{server}/messagerie/pieces-jointes/{attachment.code}/").status == 404
    assert Message.objects.filter(sender=outsider.user).count() == 0
