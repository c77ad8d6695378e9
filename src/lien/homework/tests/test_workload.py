"""The homework load per day of a class or group, and its warning."""

from datetime import timedelta

import pytest
from django.urls import reverse

from lien.homework import services
from lien.homework.tests.helpers import today, write

pytestmark = pytest.mark.django_db


def next_weekday(after_days: int):
    """A day at least `after_days` from today that is not a Sunday (left out of the table)."""
    day = today() + timedelta(days=after_days)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def due_in(day):
    return (day - today()).days


def test_the_load_sums_every_subject_and_the_groups_of_the_class(cast, settings):
    settings.LIEN_HOMEWORK_DAILY_MINUTES_WARNING = 60
    a = cast.a
    day = next_weekday(3)
    write(a.teacher, [a.class_a], works=(("Exercices", due_in(day), 30),))
    write(a.group_teacher, [a.group], works=(("Vocabulaire", due_in(day), 20),))
    write(a.other_teacher, [a.class_b], works=(("Autre classe", due_in(day), 50),))
    days = {d.day: d for d in services.workload(a.class_a, today())}
    assert len(days) == 12  # two weeks without the Sundays
    assert all(d.weekday() != 6 for d in days)
    assert [(line.subject, line.minutes, line.target_name) for line in days[day].lines] == [
        ("Espagnol", 20, "LV2 Espagnol"),
        ("Mathématiques", 30, "2nde A"),
    ]
    assert days[day].total == 50 and not days[day].is_overloaded
    proposed = [services.ProposedWork("Physique", "TP", day, 15)]
    with_new = {d.day: d for d in services.workload(a.class_a, today(), proposed=proposed)}
    assert with_new[day].total == 65 and with_new[day].is_overloaded
    # The group's load counts the work of its pupils' classes.
    group_days = {d.day: d for d in services.workload(a.group, today())}
    assert group_days[day].total == 50


def test_work_prepared_in_advance_counts(cast):
    a = cast.a
    day = next_weekday(6)
    write(
        a.teacher,
        [a.class_a],
        lesson=next_weekday(2),
        visible_from=next_weekday(2),
        works=(("Préparé", due_in(day) - due_in(next_weekday(2)), 40),),
    )
    days = {d.day: d for d in services.workload(a.class_a, today())}
    assert days[day].total == 40


def test_warnings_name_the_class_and_the_day(cast, settings):
    settings.LIEN_HOMEWORK_DAILY_MINUTES_WARNING = 45
    a = cast.a
    day = next_weekday(2)
    write(a.teacher, [a.class_a], works=(("Exercices", due_in(day), 30),))
    proposed = [services.ProposedWork("Mathématiques", "Devoir", day, 20)]
    [warning] = services.overload_warnings([a.class_a], proposed)
    assert warning.startswith("Attention : 2nde A a 50 minutes de travail pour le ")
    assert warning.endswith("(plus de 45 minutes).")
    assert services.overload_warnings([a.class_b], proposed) == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.teacher", 200),
        ("a.group_teacher", 200),
        ("a.direction", 200),
        ("a.student", 403),
        ("a.parent", 403),
        ("a.other_teacher", 403),
        ("b.teacher", 404),
        ("c.direction", 404),
    ],
)
def test_the_load_page(cast, login, settings, who, status):
    settings.LIEN_HOMEWORK_DAILY_MINUTES_WARNING = 20
    a = cast.a
    write(a.teacher, [a.class_a], works=(("Exercices", due_in(next_weekday(2)), 30),))
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    url = reverse("homework:class-workload", kwargs={"code": a.class_a.code})
    response = login(profile).get(url)
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "Mathématiques : Exercices (30 min)" in text
        assert "30 minutes de travail, au-delà de 20 minutes." in text
        later = login(profile).get(f"{url}?depuis={(today() + timedelta(days=14)).isoformat()}")
        assert "Exercices" not in later.content.decode()


def test_the_group_load_page(cast, login):
    a = cast.a
    url = reverse("homework:group-workload", kwargs={"code": a.group.code})
    assert login(a.group_teacher).get(url).status_code == 200
    assert login(a.student).get(url).status_code == 403
