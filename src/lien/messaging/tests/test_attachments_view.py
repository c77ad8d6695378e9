"""Downloading an attachment: who may, and the headers that keep the browser from running it."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lien.messaging import attachments, safety, services
from lien.messaging.models import Delivery, ReportViewing
from lien.messaging.tests import attachment_fixtures as files
from lien.messaging.tests.attachment_fixtures import send, to_user, upload
from lien.tests.world import resolve


@pytest.fixture
def media_root(settings, tmp_path):
    """Stored files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sent(cast, media_root):
    """a.teacher sends a PDF to a.student."""
    message = send(cast.a.teacher, to_user(cast.a.student.user, subject="Sujet du contrôle"))
    [attachment] = attachments.do_attach(
        message, attachments.check_attachments([upload("Sujet n°3 (élèves).pdf", files.PDF)])
    )
    return attachment


def url(attachment):
    return reverse("messaging:attachment", args=[attachment.code])


def test_the_recipient_downloads_it_as_an_attachment(cast, login, sent):
    response = login(cast.a.student).get(url(sent))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Sujet n3 (eleves).pdf"; '
        "filename*=UTF-8''Sujet%20n%C2%B03%20%28%C3%A9l%C3%A8ves%29.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"


def test_the_sender_downloads_it(cast, login, sent):
    response = login(cast.a.teacher).get(url(sent))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.PDF


@pytest.mark.parametrize(
    "who",
    [
        "a.classmate",  # same class, not a recipient
        "a.parent",  # the recipient's own parent
        "a.other_teacher",
        "a.direction",  # staff, without any report
        "b.student",
        "c.student",
        "operator",
    ],
)
def test_anyone_else_gets_404(cast, login, sent, who):
    response = login(resolve(cast, who)).get(url(sent))
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, sent):
    response = client.get(url(sent))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_code_gets_404(cast, login, sent):
    response = login(cast.a.student).get(
        reverse("messaging:attachment", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_a_recalled_message_keeps_its_files_from_the_recipient(cast, login, sent):
    services.check_recall(cast.a.teacher.user, sent.message)
    assert login(cast.a.student).get(url(sent)).status_code == 404


def test_a_deleted_message_keeps_its_files_from_the_recipient(cast, login, sent):
    Delivery.objects.filter(recipient=cast.a.student.user).update(box=Delivery.Box.DELETED)
    assert login(cast.a.student).get(url(sent)).status_code == 404


def test_a_scheduled_message_files_wait_until_it_is_due(cast, login, media_root):
    message = send(
        cast.a.teacher,
        to_user(cast.a.student.user, send_at=timezone.now() + timedelta(hours=1)),
    )
    [attachment] = attachments.do_attach(
        message, attachments.check_attachments([upload("a.pdf", files.PDF)])
    )
    assert login(cast.a.student).get(url(attachment)).status_code == 404
    assert login(cast.a.teacher).get(url(attachment)).status_code == 200


def test_staff_handling_a_report_open_its_files_and_the_reading_is_kept(cast, login, sent):
    report = safety.check_report(cast.a.student.user, sent.message, "Menaces")
    response = login(cast.a.school_life).get(url(sent))
    assert response.status_code == 200
    assert list(ReportViewing.objects.values_list("report", "viewer")) == [
        (report.pk, cast.a.school_life.user.pk)
    ]


def test_staff_of_another_establishment_cannot_open_reported_files(cast, login, sent):
    safety.check_report(cast.a.student.user, sent.message, "Menaces")
    assert login(cast.b.direction).get(url(sent)).status_code == 404
    assert login(cast.a.librarian).get(url(sent)).status_code == 404
    assert ReportViewing.objects.count() == 0


def test_only_get_is_allowed(cast, login, sent):
    assert login(cast.a.student).post(url(sent)).status_code == 405


def test_the_attachments_include_lists_names_sizes_and_links(cast, sent):
    attachments.do_attach(
        sent.message, attachments.check_attachments([upload("notes.csv", files.CSV)])
    )
    html = render_to_string("messaging/_attachments.html", {"message": sent.message})
    assert "2 pièces jointes" in html
    csv = sent.message.attachments.get(original_name="notes.csv")
    assert (
        f'<li><a href="/messagerie/pieces-jointes/{sent.code}/" download>'
        "Sujet n°3 (élèves).pdf</a> "
        '<span class="muted">(1 ko)</span></li>'
    ) in html
    assert f'href="/messagerie/pieces-jointes/{csv.code}/"' in html


def test_the_attachments_include_shows_nothing_without_attachments(cast):
    message = send(cast.a.teacher, to_user(cast.a.student.user))
    assert render_to_string("messaging/_attachments.html", {"message": message}).strip() == ""


def test_the_report_page_shows_the_reported_message_attachments(cast, login, sent):
    report = safety.check_report(cast.a.student.user, sent.message, "Menaces")
    response = login(cast.a.direction).get(reverse("messaging:report", args=[report.code]))
    assert f'href="/messagerie/pieces-jointes/{sent.code}/"' in response.content.decode()
