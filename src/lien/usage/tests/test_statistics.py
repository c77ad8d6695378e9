"""/statistiques/: the collectivité's operators and the direction, each within their scope."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from lien.core.models import Profile
from lien.home.tests.test_page_weight import BUDGET_BYTES, transferred_size
from lien.usage.tests.conftest import add_usage

URL = reverse("usage:statistics")
Role = Profile.Role


def report_of(response):
    return response.context["report"]


def test_the_direction_sees_their_establishment(figures, login):
    response = login(figures.a.direction).get(URL)
    assert response.status_code == 200
    report = report_of(response)
    assert report.establishments == [figures.a.establishment]
    assert (report.totals.page_views, report.totals.sessions, report.totals.visitor_days) == (
        110,
        12,
        10,
    )
    assert [label for label, _ in report.by_role] == ["Élève", "Enseignant"]
    assert [figures.page_views for _, figures in report.by_role] == [100, 10]
    assert {label: f.page_views for label, f in report.by_service} == {
        "Accueil": 100,
        "Messagerie": 10,
    }
    day = timezone.localdate() - timedelta(days=2)
    assert dict(report.by_day)[day].page_views == 110
    assert len(report.by_day) == 7
    body = response.content.decode()
    assert figures.b.establishment.name not in body
    assert figures.c.establishment.name not in body


def test_the_operator_sees_every_establishment_of_their_collectivite(figures, login):
    response = login(figures.operator).get(URL)
    report = report_of(response)
    assert report.establishments == sorted(
        [figures.a.establishment, figures.b.establishment], key=lambda e: e.name
    )
    assert report.totals.page_views == 330
    by_establishment = {e: f.page_views for e, f in report.by_establishment}
    assert by_establishment == {figures.a.establishment: 110, figures.b.establishment: 220}
    assert figures.c.establishment.name not in response.content.decode()


def test_an_operator_of_another_collectivite_sees_nothing_of_this_one(figures, login):
    response = login(figures.other_operator).get(URL)
    report = report_of(response)
    assert report.establishments == [figures.c.establishment]
    assert report.totals.page_views == 330
    body = response.content.decode()
    assert figures.a.establishment.name not in body
    assert figures.b.establishment.name not in body
    asked_for_a = login(figures.other_operator).get(
        URL, {"etablissement": str(figures.a.establishment.code)}
    )
    assert asked_for_a.status_code == 400
    assert "report" not in asked_for_a.context
    assert figures.a.establishment.name not in asked_for_a.content.decode()


def test_the_operator_chooses_one_establishment(figures, login):
    response = login(figures.operator).get(
        URL, {"etablissement": str(figures.b.establishment.code)}
    )
    assert report_of(response).establishments == [figures.b.establishment]
    assert report_of(response).totals.page_views == 220


def test_the_direction_cannot_ask_for_another_establishment(figures, login):
    client = login(figures.a.direction)
    for other in (figures.b.establishment, figures.c.establishment):
        response = client.get(URL, {"etablissement": str(other.code)})
        assert response.status_code == 400
        assert "Choisissez un établissement dans la liste." in response.content.decode()
        assert other.name not in response.content.decode()
        assert "report" not in response.context


@pytest.mark.parametrize(
    "who",
    [
        "a.student",
        "a.parent",
        "a.teacher",
        "a.school_life",
        "a.librarian",
        "a.ent_admin",
        "a.tutor",
    ],
)
def test_other_profiles_are_refused(figures, login, who):
    profile = figures
    for part in who.split("."):
        profile = getattr(profile, part)
    assert login(profile).get(URL).status_code == 403


def test_an_inactive_direction_is_refused(figures, login):
    user = figures.a.direction.user
    client = login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(URL).status_code in (302, 403)


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_last_30_days(figures, login):
    add_usage(figures.a.establishment, Role.STUDENT, days_ago=20, page_views=1000)
    client = login(figures.a.direction)
    assert report_of(client.get(URL, {"periode": "7"})).totals.page_views == 110
    report = report_of(client.get(URL, {"periode": "30"}))
    assert report.totals.page_views == 1110
    assert len(report.by_day) == 30


def test_between_two_dates(figures, login):
    day = timezone.localdate() - timedelta(days=2)
    response = login(figures.a.direction).get(
        URL, {"periode": "dates", "du": day.strftime("%d/%m/%Y"), "au": day.isoformat()}
    )
    assert response.status_code == 200
    report = report_of(response)
    assert (report.period.start, report.period.end) == (day, day)
    assert report.totals.page_views == 110
    assert report.totals.daily_visitors == 10


TODAY = timezone.localdate()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"periode": "dates", "au": "2026-01-10"}, "Indiquez la date de début."),
        ({"periode": "dates", "du": "2026-01-10"}, "Indiquez la date de fin."),
        ({"periode": "dates", "du": "31/02/2026", "au": "2026-03-01"}, "Saisissez une date valide"),
        (
            {"periode": "dates", "du": "2026-01-10", "au": "2026-01-09"},
            "La date de fin doit suivre",
        ),
        (
            {"periode": "dates", "du": "2026-01-10", "au": (TODAY + timedelta(days=1)).isoformat()},
            "La date de fin ne peut pas être dans le futur.",
        ),
        ({"periode": "dates", "du": "2024-01-01", "au": "2025-06-01"}, "un an au plus"),
        ({"periode": "365"}, "Choisissez une période dans la liste."),
    ],
)
def test_bad_periods_get_a_french_error_and_keep_what_was_typed(figures, login, query, message):
    response = login(figures.operator).get(URL, query)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "report" not in response.context
    for value in query.values():
        if "/" in value or "-" in value:
            assert f'value="{value}"' in body


def test_the_charts_are_svg_images_with_a_title(figures, login):
    body = login(figures.operator).get(URL, {"periode": "30"}).content.decode()
    charts = re.findall(r"<svg.*?</svg>", body, flags=re.S)
    assert len(charts) == 4
    for chart in charts:
        root = ElementTree.fromstring(chart)
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == title.get("id")
        assert title.text


def test_a_year_of_a_collectivite_stays_within_the_page_budget(figures, login):
    for days_ago in range(1, 366, 3):
        add_usage(figures.b.establishment, Role.TEACHER, days_ago=days_ago, page_views=days_ago)
    client = login(figures.operator)
    response = client.get(
        URL,
        {
            "periode": "dates",
            "du": (TODAY - timedelta(days=365)).isoformat(),
            "au": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert transferred_size(client, response.content) < BUDGET_BYTES
