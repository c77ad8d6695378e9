"""What the home pages show of the work to do (home_todo and its include)."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from lien.core.models import Enrolment, ParentLink
from lien.homework import services
from lien.homework.models import WorkDone
from lien.homework.tests.helpers import write
from lien.tests.factories import make_profile

pytestmark = pytest.mark.django_db


def test_a_pupil_gets_their_next_work_not_done(cast):
    a = cast.a
    write(a.teacher, [a.class_a], works=[(f"Travail {n}", 1 + n, 10) for n in range(7)])
    first = a.class_a.work_items.order_by("due_date").first()
    WorkDone.objects.create(student=a.student, work_item=first)
    [block] = services.home_todo(a.student, limit=5)
    assert block.student == a.student
    assert [item.title for item in block.items] == [f"Travail {n}" for n in range(1, 6)]
    html = render_to_string(
        "homework/_home_todo.html", {"home_todo": [block], "user": a.student.user}
    )
    assert "Travail 1" in html and "Travail à faire" in html


def test_a_parent_gets_one_block_per_child(cast):
    a = cast.a
    write(a.teacher, [a.class_a], works=(("Pour l'aînée", 1, 10),))
    write(a.other_teacher, [a.class_b], works=(("Pour le frère", 1, 10),))
    blocks = services.home_todo(a.parent)
    assert {b.student: [i.title for i in b.items] for b in blocks} == {
        a.student: ["Pour l'aînée"],
        a.sibling: ["Pour le frère"],
    }
    html = render_to_string(
        "homework/_home_todo.html", {"home_todo": blocks, "user": a.parent.user}
    )
    assert a.sibling.user.get_full_name() in html


def test_other_roles_get_nothing(cast):
    assert services.home_todo(cast.a.teacher) == []
    assert services.home_todo(cast.a.direction) == []


def test_the_same_queries_for_one_child_or_five(cast):
    a = cast.a
    write(a.teacher, [a.class_a], works=(("Exercices", 1, 10),))
    parent = make_profile("parent", a.establishment)
    ParentLink.objects.create(parent=parent, student=a.student)
    with CaptureQueriesContext(connection) as one:
        services.home_todo(parent)
    for _n in range(4):
        child = make_profile("student", a.establishment)
        Enrolment.objects.create(student=child, school_class=a.class_a, school_year=a.year)
        ParentLink.objects.create(parent=parent, student=child)
    with CaptureQueriesContext(connection) as five:
        blocks = services.home_todo(parent)
    assert len(blocks) == 5 and all(b.items for b in blocks)
    assert len(five) == len(one)
