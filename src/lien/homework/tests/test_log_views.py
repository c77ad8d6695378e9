"""Reading a class's, group's or pupil's log by week, and one entry."""

from datetime import timedelta

import pytest
from django.urls import reverse

from lien.homework.services import week_start
from lien.homework.tests.helpers import in_days, today, write

pytestmark = pytest.mark.django_db


def class_log(school_class, day=None):
    url = reverse("homework:class-log", kwargs={"code": school_class.code})
    return f"{url}?semaine={day.isoformat()}" if day else url


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.student", 200),
        ("a.classmate", 200),
        ("a.parent", 200),
        ("a.classmate_parent", 200),
        ("a.teacher", 200),
        ("a.direction", 200),
        ("a.librarian", 200),
        ("a.group_teacher", 200),  # teaches the LV2 group, which holds a pupil of 2nde A
        ("a.other_class_student", 403),
        ("a.sibling", 403),
        ("a.other_teacher", 403),
        ("a.tutor", 403),
        ("b.direction", 404),
        ("b.student", 404),
        ("c.teacher", 404),
        ("operator", 404),
    ],
)
def test_who_reads_a_class_log(cast, login, who, status):
    write(cast.a.teacher, [cast.a.class_a])
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    response = login(profile).get(class_log(cast.a.class_a))
    assert response.status_code == status
    text = response.content.decode()
    assert ("Chapitre 3 : les fonctions affines." in text) == (status == 200)


def test_it_requires_login(cast, client):
    response = client.get(class_log(cast.a.class_a))
    assert response.status_code == 302


def test_entries_prepared_in_advance_show_only_to_their_author(cast, login):
    write(
        cast.a.teacher,
        [cast.a.class_a],
        lesson=in_days(1),
        visible_from=in_days(1),
        content="Séance préparée",
    )
    for who, shown in [
        (cast.a.teacher, True),
        (cast.a.student, False),
        (cast.a.parent, False),
        (cast.a.direction, False),
    ]:
        response = login(who).get(class_log(cast.a.class_a, in_days(1)))
        assert ("Séance préparée" in response.content.decode()) is shown, who


def test_the_week_shows_its_own_entries_and_links_to_the_weeks_around(cast, login):
    write(cast.a.teacher, [cast.a.class_a], content="Cette semaine-ci")
    write(
        cast.a.teacher,
        [cast.a.class_a],
        lesson=today() - timedelta(days=7),
        content="La semaine d'avant",
        works=(),
    )
    monday = week_start(today())
    text = login(cast.a.student).get(class_log(cast.a.class_a)).content.decode()
    assert "Cette semaine-ci" in text
    assert "La semaine d&#x27;avant" not in text
    assert f"?semaine={(monday - timedelta(days=7)).isoformat()}" in text
    assert f"?semaine={(monday + timedelta(days=7)).isoformat()}" in text
    before = login(cast.a.student).get(class_log(cast.a.class_a, monday - timedelta(days=3)))
    assert "La semaine d&#x27;avant" in before.content.decode()
    assert "Cette semaine-ci" not in before.content.decode()


def test_a_bad_week_shows_the_current_one(cast, login):
    write(cast.a.teacher, [cast.a.class_a], content="Cette semaine-ci")
    response = login(cast.a.student).get(class_log(cast.a.class_a) + "?semaine=n'importe")
    assert response.status_code == 200
    assert "Cette semaine-ci" in response.content.decode()


def test_a_pupils_log_gathers_their_class_and_groups(cast, login):
    a = cast.a
    write(a.teacher, [a.class_a], content="Séance de la classe")
    write(a.group_teacher, [a.group], content="Séance du groupe")
    write(a.other_teacher, [a.class_b], content="Séance de l'autre classe")
    url = reverse("homework:student-log", kwargs={"code": a.student.code})
    for who in (a.student, a.parent):
        text = login(who).get(url).content.decode()
        assert "Séance de la classe" in text and "Séance du groupe" in text
        assert "autre classe" not in text
    assert login(a.classmate_parent).get(url).status_code == 403
    assert login(a.classmate).get(url).status_code == 403
    assert login(cast.b.parent).get(url).status_code == 404


def test_a_group_log_is_read_by_its_members_and_teacher(cast, login):
    a = cast.a
    write(a.group_teacher, [a.group], content="Séance du groupe")
    url = reverse("homework:group-log", kwargs={"code": a.group.code})
    assert "Séance du groupe" in login(a.student).get(url).content.decode()
    assert login(a.group_teacher).get(url).status_code == 200
    assert login(a.classmate).get(url).status_code == 403
    assert login(cast.b.student).get(url).status_code == 404


def test_a_past_year_is_read_only(world, login):
    a = world.a
    url = reverse("homework:class-log", kwargs={"code": a.past_class.code})
    response = login(a.direction).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "archivée, en lecture seule" in text
    assert "Nouvelle séance" not in login(a.teacher).get(url).content.decode()


def test_teachers_see_how_many_ticked_never_who(cast, login):
    from lien.homework import services

    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    item = entry.work_items.get()
    services.do_tick(a.student.user, a.student, item, True)
    text = login(a.teacher).get(class_log(a.class_a)).content.decode()
    assert "1 élève sur 2 a fait ce travail" in text
    assert a.student.user.last_name not in text
    assert "a fait ce travail" not in login(a.classmate).get(class_log(a.class_a)).content.decode()
    assert "a fait ce travail" not in login(a.parent).get(class_log(a.class_a)).content.decode()


def test_the_entry_page(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    url = reverse("homework:entry", kwargs={"code": entry.code})
    teacher_page = login(a.teacher).get(url).content.decode()
    assert "Modifier" in teacher_page
    assert "Aucun élève sur 2 n'a encore fait ce travail" in teacher_page
    student_page = login(a.student).get(url)
    assert student_page.status_code == 200
    assert "Modifier" not in student_page.content.decode()
    assert login(a.other_class_student).get(url).status_code == 403
    assert login(cast.b.teacher).get(url).status_code == 404


def test_the_index_by_role(world, login):
    a = world.a
    response = login(a.student).get(reverse("homework:index"))
    assert response.url == reverse("homework:student-log", kwargs={"code": a.student.code})
    teacher = login(a.teacher).get(reverse("homework:index")).content.decode()
    assert "2nde A" in teacher and "3e A" in teacher and "archivé" in teacher
    parent = login(a.parent).get(reverse("homework:index")).content.decode()
    assert a.sibling.user.get_full_name() in parent
    staff = login(a.direction).get(reverse("homework:index")).content.decode()
    assert "2nde B" in staff and "2025-2026" in staff
    assert login(a.tutor).get(reverse("homework:index")).status_code == 403
    assert login(world.operator).get(reverse("homework:index")).status_code == 403
