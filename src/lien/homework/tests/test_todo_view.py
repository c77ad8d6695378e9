"""The to-do list: a pupil's work due by date, their own ticks; a parent reads each child's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lien.core.models import Enrolment, Subject, TeachingAssignment
from lien.homework.models import WorkDone
from lien.homework.tests.helpers import in_days, write
from lien.tests.factories import make_profile

pytestmark = pytest.mark.django_db
URL = reverse("homework:todo")


def tick_url(item):
    return reverse("homework:tick-work", kwargs={"code": item.code})


def test_a_pupil_sees_the_work_of_their_class_and_groups_by_due_date(cast, login):
    a = cast.a
    write(a.teacher, [a.class_a], works=(("Exercices 4 et 5", 3, 30), ("Relire le cours", 1, 10)))
    write(a.group_teacher, [a.group], works=(("Vocabulaire", 1, 15),))
    write(a.other_teacher, [a.class_b], works=(("Pas pour 2nde A", 1, 15),))
    write(
        a.teacher,
        [a.class_a],
        works=(("Préparé", 4, 15),),
        lesson=in_days(2),
        visible_from=in_days(2),
    )
    text = login(a.student).get(URL).content.decode()
    assert text.index("Relire le cours") < text.index("Exercices 4 et 5")
    assert "Vocabulaire" in text
    assert "Pas pour 2nde A" not in text and "Préparé" not in text
    assert "J'ai fait ce travail" in text
    # The classmate is not in the LV2 group.
    assert "Vocabulaire" not in login(a.classmate).get(URL).content.decode()


def test_a_pupil_ticks_and_unticks_their_own_work(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    item = entry.work_items.get()
    client = login(a.student)
    response = client.post(tick_url(item), {"fait": "1"})
    assert response.status_code == 302
    assert response.url == f"{URL}#travail-{item.code}"
    assert WorkDone.objects.filter(student=a.student, work_item=item).count() == 1
    client.post(tick_url(item), {"fait": "1"})  # twice: still one tick
    assert WorkDone.objects.filter(student=a.student, work_item=item).count() == 1
    assert "Décocher" in client.get(URL).content.decode()
    assert "J'ai fait ce travail" in login(a.classmate).get(URL).content.decode()
    login(a.student).post(tick_url(item), {"fait": "0"})
    assert not WorkDone.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.parent", 403),
        ("a.teacher", 403),
        ("a.direction", 403),
        ("a.other_class_student", 403),
        ("b.student", 404),
        ("c.parent", 404),
    ],
)
def test_nobody_else_ticks(cast, login, who, status):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    item = entry.work_items.get()
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    response = login(profile).post(tick_url(item), {"fait": "1"})
    assert response.status_code == status
    assert not WorkDone.objects.exists()


def test_a_pupil_cannot_tick_work_not_yet_visible(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a], lesson=in_days(2), visible_from=in_days(2))
    response = login(a.student).post(tick_url(entry.work_items.get()), {"fait": "1"})
    assert response.status_code == 403
    assert not WorkDone.objects.exists()


def test_ticking_needs_a_post(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    assert login(a.student).get(tick_url(entry.work_items.get())).status_code == 405


def test_a_parent_reads_each_childs_list_and_ticks_but_cannot_tick(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a], works=(("Pour Léa", 1, 20),))
    write(a.other_teacher, [a.class_b], works=(("Pour le frère", 1, 20),))
    WorkDone.objects.create(student=a.student, work_item=entry.work_items.get())
    client = login(a.parent)
    first = client.get(f"{URL}?enfant={a.student.code}").content.decode()
    assert "Pour Léa" in first and "Fait" in first
    assert "J'ai fait ce travail" not in first
    assert a.sibling.user.get_full_name() in first  # the child selector
    second = client.get(f"{URL}?enfant={a.sibling.code}").content.decode()
    assert "Pour le frère" in second and "Pour Léa" not in second
    assert "Pas encore fait" in second


def test_a_parent_cannot_read_another_familys_list(cast, login):
    a = cast.a
    assert login(a.classmate_parent).get(f"{URL}?enfant={a.student.code}").status_code == 404
    assert login(cast.b.parent).get(f"{URL}?enfant={a.student.code}").status_code == 404


@pytest.mark.parametrize("who", ["a.teacher", "a.direction", "a.tutor", "operator"])
def test_the_list_is_for_pupils_and_parents(cast, login, who):
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    assert login(profile).get(URL).status_code == 403


def test_teachers_see_only_counts(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    item = entry.work_items.get()
    login(a.student).post(tick_url(item), {"fait": "1"})
    page = login(a.teacher).get(reverse("homework:entry", kwargs={"code": entry.code}))
    text = page.content.decode()
    assert "1 élève sur 2 a fait ce travail" in text
    assert a.student.user.first_name not in text.split("<main", 1)[1].split("</main>")[0]


def add_work_and_pupils(school, count):
    """`count` more subjects each giving work, and `count` more pupils in 2nde A."""
    start = Subject.objects.count()
    for n in range(start, start + count):
        subject = Subject.objects.create(establishment=school.establishment, name=f"Matière {n}")
        teacher = make_profile("teacher", school.establishment)
        TeachingAssignment.objects.create(
            teacher=teacher, subject=subject, school_class=school.class_a
        )
        write(teacher, [school.class_a], works=((f"Travail {n}", 1 + n % 3, 10),), subject=subject)
        pupil = make_profile("student", school.establishment)
        Enrolment.objects.create(
            student=pupil, school_class=school.class_a, school_year=school.year
        )


def test_the_list_takes_the_same_queries_whatever_its_length(cast, login):
    a = cast.a
    client = login(a.student)
    add_work_and_pupils(a, 2)
    client.get(URL)  # warm the session and profile caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    add_work_and_pupils(a, 8)
    WorkDone.objects.bulk_create(
        WorkDone(student=a.student, work_item=item) for item in a.class_a.work_items.all()[:4]
    )
    client.get(URL)  # the writes renewed the cached header: build it again first
    with CaptureQueriesContext(connection) as large:
        text = client.get(URL).content.decode()
    assert text.count("Décocher") == 4
    assert len(large) == len(small)
