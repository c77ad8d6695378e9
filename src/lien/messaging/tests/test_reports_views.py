"""« Signaler ce message », and the reports pages of the direction and the CPE."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lien.messaging import safety
from lien.messaging.models import Delivery, Report, ReportViewing
from lien.messaging.tests.attachment_fixtures import send, to_user
from lien.tests.world import resolve

REPORTS = reverse("messaging:reports")


@pytest.fixture
def message(cast):
    return send(
        cast.a.teacher,
        to_user(cast.a.student.user, subject="Remarque", body="Texte du message signalé"),
    )


@pytest.fixture
def report(cast, message):
    return safety.check_report(cast.a.student.user, message, "Il se moque de moi.")


def report_url(message):
    return reverse("messaging:report-message", args=[message.code])


# Reporting ----------------------------------------------------------------------------------


def test_the_recipient_sees_the_report_form(cast, login, message):
    response = login(cast.a.student).get(report_url(message))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Pourquoi signalez-vous ce message ?" in content
    assert "Remarque" in content


def test_the_recipient_reports_and_returns_to_the_message(cast, login, message):
    response = login(cast.a.student).post(report_url(message), {"reason": "Il se moque de moi."})
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:message", args=[message.code])
    report = Report.objects.get()
    assert (report.reporter, report.reason) == (cast.a.student.user, "Il se moque de moi.")


def test_a_report_without_reason_is_refused(cast, login, message):
    response = login(cast.a.student).post(report_url(message), {"reason": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "reason": ["Dites en quelques mots pourquoi vous signalez ce message."]
    }
    assert Report.objects.count() == 0


def test_a_second_report_shows_the_first_and_adds_nothing(cast, login, message, report):
    client = login(cast.a.student)
    response = client.get(report_url(message))
    assert "Vous avez signalé ce message le" in response.content.decode()
    assert "<textarea" not in response.content.decode()
    client.post(report_url(message), {"reason": "Encore"})
    assert list(Report.objects.values_list("reason", flat=True)) == ["Il se moque de moi."]


@pytest.mark.parametrize(
    "who", ["a.teacher", "a.classmate", "a.parent", "a.direction", "b.student"]
)
def test_anyone_but_a_recipient_gets_404(cast, login, message, who):
    client = login(resolve(cast, who))
    assert client.get(report_url(message)).status_code == 404
    assert client.post(report_url(message), {"reason": "Insulte"}).status_code == 404
    assert Report.objects.count() == 0


def test_a_deleted_message_cannot_be_reported(cast, login, message):
    Delivery.objects.filter(message=message).update(box=Delivery.Box.DELETED)
    assert login(cast.a.student).get(report_url(message)).status_code == 404


def test_the_report_button_shows_for_a_recipient_only():
    class Stub:
        pass

    message = Stub()
    message.pk, message.code = 7, "0b6c5d1e-3f5a-4bde-9a43-0d6a2b1c9e11"
    mine = Stub()
    mine.message_id = 7
    html = render_to_string("messaging/_report_button.html", {"message": message, "delivery": mine})
    assert f'href="/messagerie/messages/{message.code}/signaler/"' in html
    assert "Signaler ce message" in html
    assert (
        render_to_string(
            "messaging/_report_button.html", {"message": message, "delivery": None}
        ).strip()
        == ""
    )


# The staff's list ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["a.direction", "a.school_life"])
def test_direction_and_cpe_see_their_establishments_reports(cast, login, report, who):
    other = send(cast.b.teacher, to_user(cast.b.student.user, subject="Ailleurs"))
    safety.check_report(cast.b.student.user, other, "Autre école")
    response = login(resolve(cast, who)).get(REPORTS)
    assert response.status_code == 200
    assert response.context["open_reports"] == [report]
    assert response.context["handled_reports"] == []
    content = response.content.decode()
    assert reverse("messaging:report", args=[report.code]) in content
    assert "Ailleurs" not in content


def test_handled_reports_are_listed_apart(cast, login, report):
    safety.check_mark_handled(cast.a.direction.user, report)
    response = login(cast.a.direction).get(REPORTS)
    assert response.context["open_reports"] == []
    assert response.context["handled_reports"] == [report]


@pytest.mark.parametrize(
    "who", ["a.librarian", "a.ent_admin", "a.teacher", "a.parent", "a.student", "operator"]
)
def test_other_roles_are_refused_the_list(cast, login, report, who):
    assert login(resolve(cast, who)).get(REPORTS).status_code == 403


def test_the_list_runs_the_same_queries_for_2_and_12_reports(cast, login):
    client = login(cast.a.direction)
    recipients = [cast.a.student, cast.a.classmate]

    def add_reports(count):
        for index in range(count):
            recipient = recipients[index % 2]
            message = send(cast.a.teacher, to_user(recipient.user, subject=f"M{index}"))
            safety.check_report(recipient.user, message, "Insulte")

    add_reports(2)
    client.get(REPORTS)  # the first request of a session also saves the session
    with CaptureQueriesContext(connection) as small:
        client.get(REPORTS)
    add_reports(10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(REPORTS)
    assert len(response.context["open_reports"]) == 12
    assert len(large) == len(small)


# One report ---------------------------------------------------------------------------------


def test_staff_read_the_reported_message_and_the_reading_is_kept(cast, login, report):
    url = reverse("messaging:report", args=[report.code])
    response = login(cast.a.school_life).get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Texte du message signalé" in content
    assert "Il se moque de moi." in content
    login(cast.a.direction).get(url)
    assert list(ReportViewing.objects.order_by("pk").values_list("viewer", flat=True)) == [
        cast.a.school_life.user.pk,
        cast.a.direction.user.pk,
    ]
    assert (
        cast.a.school_life.user.get_full_name() in login(cast.a.direction).get(url).content.decode()
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.librarian", 403),
        ("a.teacher", 403),
        ("a.student", 403),  # the reporter too: the report page is the staff's
        ("b.direction", 404),
        ("c.school_life", 404),
        ("operator", 403),  # the collectivité's operator: inside, but not their business
        ("other_operator", 404),
    ],
)
def test_others_cannot_read_a_report(cast, login, report, who, status):
    client = login(resolve(cast, who))
    assert client.get(reverse("messaging:report", args=[report.code])).status_code == status
    for name in ("messaging:lock", "messaging:report-handled"):
        assert client.post(reverse(name, args=[report.code])).status_code == status
    assert ReportViewing.objects.count() == 0
    report.refresh_from_db()
    report.message.conversation.refresh_from_db()
    assert (report.handled_at, report.message.conversation.locked_at) == (None, None)


def test_staff_lock_the_conversation_then_unlock_it(cast, login, report):
    client = login(cast.a.direction)
    response = client.post(reverse("messaging:lock", args=[report.code]), follow=True)
    assert "Conversation verrouillée : plus personne ne peut y répondre." in (
        response.content.decode()
    )
    conversation = report.message.conversation
    conversation.refresh_from_db()
    assert conversation.locked_by == cast.a.direction.user
    response = client.post(reverse("messaging:lock", args=[report.code]), follow=True)
    assert "Cette conversation est déjà verrouillée." in response.content.decode()
    client.post(reverse("messaging:unlock", args=[report.code]))
    conversation.refresh_from_db()
    assert conversation.locked_at is None


def test_staff_mark_the_report_handled(cast, login, report):
    response = login(cast.a.school_life).post(
        reverse("messaging:report-handled", args=[report.code])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:report", args=[report.code])
    report.refresh_from_db()
    assert report.handled_by == cast.a.school_life.user


def test_actions_refuse_get(cast, login, report):
    client = login(cast.a.direction)
    for name in ("messaging:lock", "messaging:unlock", "messaging:report-handled"):
        assert client.get(reverse(name, args=[report.code])).status_code == 405
