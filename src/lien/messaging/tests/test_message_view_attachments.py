"""The message page shows each message's files and, on messages the viewer received, the
« Signaler ce message » button; the print page names the files."""

import pytest
from django.urls import reverse

from lien.messaging import attachments
from lien.messaging.tests import attachment_fixtures as files
from lien.messaging.tests.attachment_fixtures import upload
from lien.messaging.tests.mailbox_fixtures import class_parents, count_queries, send

REPORT_BUTTON = "Signaler ce message"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(message, name="messaging:message"):
    return reverse(name, args=[message.code])


def attach(message, *names):
    return attachments.do_attach(
        message, attachments.check_attachments([upload(name, files.PDF) for name in names])
    )


def reply(sender, message, body="Merci."):
    return send(
        sender, message.sender, subject=f"RE: {message.subject}", body=body, in_reply_to=message
    )


def test_each_message_of_the_thread_lists_its_files(cast, login):
    original = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")
    [sheet] = attach(original, "autorisation.pdf")
    answer = reply(cast.a.parent, original, body="Signée.")
    [signed] = attach(answer, "autorisation signée.pdf")

    body = login(cast.a.teacher).get(url(original)).content.decode()

    for message, attachment in ((original, sheet), (answer, signed)):
        article = body.split(f'id="message-{message.code}"')[1].split("</article>")[0]
        assert (
            f'<h3 id="attachments-{message.code}" class="attachments-heading">1 pièce jointe</h3>'
        ) in article
        assert (
            f'<a href="{reverse("messaging:attachment", args=[attachment.code])}" download>'
            f"{attachment.original_name}</a>"
        ) in article


def test_a_message_without_files_shows_no_files_section(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    body = login(cast.a.parent).get(url(message)).content.decode()
    assert "attachments-heading" not in body


def test_the_recipient_may_report_the_messages_they_received_only(cast, login):
    original = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")
    answer = reply(cast.a.parent, original)

    body = login(cast.a.parent).get(url(original)).content.decode()

    report_link = f'href="{reverse("messaging:report-message", args=[original.code])}"'
    received = body.split(f'id="message-{original.code}"')[1].split("</article>")[0]
    own = body.split(f'id="message-{answer.code}"')[1].split("</article>")[0]
    assert report_link in received
    assert REPORT_BUTTON in received
    assert REPORT_BUTTON not in own
    assert body.count(REPORT_BUTTON) == 1


def test_the_sender_has_no_report_button(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    body = login(cast.a.teacher).get(url(message)).content.decode()
    assert REPORT_BUTTON not in body


def test_the_print_page_names_the_files(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    attach(message, "a.pdf", "b.pdf")
    body = login(cast.a.parent).get(url(message, "messaging:print-message")).content.decode()
    assert '<p class="print-files"><strong>Pièces jointes :</strong> a.pdf, b.pdf</p>' in body


@pytest.mark.parametrize("reader", ["teacher", "parent"])
def test_the_thread_queries_do_not_grow_with_files_and_replies(cast, login, reader):
    original = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")
    attach(original, "a.pdf")

    def exchange(count):
        for number in range(count):
            attach(reply(cast.a.parent, original, body=f"Question {number}"), f"q{number}.pdf")

    exchange(1)
    client = login(getattr(cast.a, reader))
    with_two = count_queries(client, url(original))
    exchange(18)
    assert len(client.get(url(original)).context["entries"]) == 20
    assert count_queries(client, url(original)) == with_two
