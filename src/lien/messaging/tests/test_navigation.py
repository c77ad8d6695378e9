"""The messaging side navigation (notifications, signature, reports for direction and CPE) and
the operator's way in to suspensions."""

import pytest
from django.urls import reverse

from lien.messaging.tests.mailbox_fixtures import count_queries, send
from lien.tests.world import resolve

INBOX = reverse("messaging:inbox")
NOTIFICATIONS = reverse("messaging:notification-preferences")
SIGNATURE = reverse("messaging:signature")
REPORTS = reverse("messaging:reports")


def link(url, label, current=False) -> str:
    state = ' aria-current="page"' if current else ""
    return f'<a href="{url}"{state}>{label}</a>'


@pytest.mark.parametrize(
    "who", ["a.student", "a.parent", "a.teacher", "a.librarian", "a.direction", "a.tutor"]
)
def test_everyone_finds_notifications_and_signature(cast, login, who):
    body = login(resolve(cast, who)).get(INBOX).content.decode()
    assert link(NOTIFICATIONS, "Notifications") in body
    assert link(SIGNATURE, "Signature") in body


@pytest.mark.parametrize("who", ["a.direction", "a.school_life"])
def test_direction_and_cpe_find_the_reports(cast, login, who):
    client = login(resolve(cast, who))
    assert link(REPORTS, "Signalements") in client.get(INBOX).content.decode()
    assert link(REPORTS, "Signalements", current=True) in client.get(REPORTS).content.decode()


@pytest.mark.parametrize(
    "who", ["a.student", "a.parent", "a.teacher", "a.librarian", "a.ent_admin", "a.tutor"]
)
def test_others_are_not_offered_the_reports(cast, login, who):
    body = login(resolve(cast, who)).get(INBOX).content.decode()
    assert REPORTS not in body


@pytest.mark.parametrize(
    ("url", "label"), [(NOTIFICATIONS, "Notifications"), (SIGNATURE, "Signature")]
)
def test_the_settings_pages_are_marked_current(cast, login, url, label):
    body = login(cast.a.parent).get(url).content.decode()
    assert link(url, label, current=True) in body


def test_the_reports_flag_is_computed_once_per_page(cast, login):
    def receive(count):
        for number in range(count):
            send(cast.a.teacher, cast.a.direction, subject=f"Message {number}")

    receive(2)
    client = login(cast.a.direction)
    with_two = count_queries(client, INBOX)
    receive(18)
    assert count_queries(client, INBOX) == with_two


def test_the_operator_home_page_links_to_suspensions(cast, login):
    body = login(cast.operator).get(reverse("home:index")).content.decode()
    suspensions = reverse("messaging:suspensions")
    assert f'<a href="{suspensions}">Suspendre l\'envoi de messages</a>' in body


@pytest.mark.parametrize("who", ["a.direction", "a.teacher", "a.parent"])
def test_other_home_pages_do_not_link_to_suspensions(cast, login, who):
    body = login(resolve(cast, who)).get(reverse("home:index")).content.decode()
    assert reverse("messaging:suspensions") not in body
