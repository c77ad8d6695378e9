"""/statistiques/export/: the figures as CSV for French spreadsheets."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lien.core.models import Profile
from lien.usage.tests.conftest import add_usage

URL = reverse("usage:export-statistics")
Role = Profile.Role


def read_csv(response):
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_it_exports_one_row_per_day_establishment_and_profile(figures, login):
    response = login(figures.operator).get(URL, {"periode": "30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    start = today - timedelta(days=29)
    assert response["Content-Disposition"] == (
        f'attachment; filename="statistiques-lien-{start.isoformat()}-{today.isoformat()}.csv"'
    )
    header, *rows = read_csv(response)
    assert header == [
        "Date",
        "UAI",
        "Établissement",
        "Profil",
        "Connexions",
        "Visiteurs uniques",
        "Pages vues",
        "Pages vues : Accueil",
        "Pages vues : Messagerie",
    ]
    a, b = figures.a.establishment, figures.b.establishment
    three_days_ago = (today - timedelta(days=3)).isoformat()
    two_days_ago = (today - timedelta(days=2)).isoformat()
    assert rows == [
        [three_days_ago, b.uai, b.name, "Parent", "25", "20", "220", "220", "0"],
        [two_days_ago, a.uai, a.name, "Élève", "9", "8", "100", "100", "0"],
        [two_days_ago, a.uai, a.name, "Enseignant", "3", "2", "10", "0", "10"],
    ]


def test_the_direction_exports_their_establishment_only(figures, login):
    header, *rows = read_csv(login(figures.a.direction).get(URL))
    assert {row[1] for row in rows} == {figures.a.establishment.uai}


def test_the_direction_cannot_export_another_establishment(figures, login):
    response = login(figures.a.direction).get(
        URL, {"etablissement": str(figures.b.establishment.code)}
    )
    assert response.status_code == 400
    assert "Choisissez un établissement dans la liste." in response.content.decode()
    assert figures.b.establishment.uai not in response.content.decode()


def test_an_operator_of_another_collectivite_exports_nothing_of_this_one(figures, login):
    header, *rows = read_csv(login(figures.other_operator).get(URL))
    assert {row[1] for row in rows} == {figures.c.establishment.uai}


@pytest.mark.parametrize("who", ["a.student", "a.parent", "a.teacher", "a.school_life"])
def test_other_profiles_are_refused(figures, login, who):
    profile = figures
    for part in who.split("."):
        profile = getattr(profile, part)
    assert login(profile).get(URL).status_code == 403


def test_a_bad_period_gets_a_french_error(figures, login):
    response = login(figures.operator).get(URL, {"periode": "dates", "du": "2026-01-10"})
    assert response.status_code == 400
    assert "Indiquez la date de fin." in response.content.decode()


def test_names_with_semicolons_and_quotes_survive(figures, login):
    figures.a.establishment.name = 'Lycée "Jean Zay"; Orléans'
    figures.a.establishment.save()
    add_usage(figures.a.establishment, Role.PARENT, days_ago=1, page_views=5)
    header, *rows = read_csv(login(figures.a.direction).get(URL))
    assert {row[2] for row in rows} == {'Lycée "Jean Zay"; Orléans'}
    assert all(len(row) == len(header) for row in rows)
