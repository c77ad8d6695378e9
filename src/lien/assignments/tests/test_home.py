"""What the home pages show of online assignments: `services.home_assignments` and its include
template."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from lien.assignments import services
from lien.assignments.tests.fixtures import hand_in, move_deadline, pdf, set_assignment
from lien.core.models import ParentLink, Profile
from lien.tests.factories import make_profile


def render(home) -> str:
    return html.unescape(
        render_to_string("assignments/_home_assignments.html", {"home_assignments": home})
    )


@pytest.fixture
def assignments(cast):
    later = set_assignment(cast.a.teacher, cast.a.class_a, title="Exposé")
    sooner = set_assignment(cast.a.group_teacher, cast.a.group, title="Redacción")
    move_deadline(sooner, timedelta(days=1))
    past = set_assignment(cast.a.teacher, cast.a.class_a, title="Ancien")
    move_deadline(past, -timedelta(days=1))
    class_b = set_assignment(cast.a.other_teacher, cast.a.class_b, title="Devoir de 2nde B")
    return later, sooner, past, class_b


def test_a_pupil_sees_their_next_open_assignments_nearest_first(cast, assignments):
    later, sooner, _past, _b = assignments
    hand_in(cast.a.student, later, uploads=[pdf()])
    home = services.home_assignments(cast.a.student)
    assert [(i.assignment, i.status.label) for i in home.items] == [
        (sooner, "À rendre"),
        (later, "Rendu"),
    ]
    assert services.home_assignments(cast.a.student, limit=1).items[0].assignment == sooner
    page = render(home)
    assert "Redacción" in page and "Exposé" in page and "Ancien" not in page


def test_a_parent_sees_each_childs_next_assignments(cast, assignments):
    later, sooner, _past, class_b = assignments
    home = services.home_assignments(cast.a.parent)
    by_child = {child: [i.assignment for i in items] for child, items in home.children}
    assert by_child == {cast.a.student: [sooner, later], cast.a.sibling: [class_b]}
    page = render(home)
    assert cast.a.student.user.get_full_name() in page
    assert "Devoir de 2nde B" in page


def test_a_teacher_sees_the_assignments_with_hand_ins_to_correct(cast, assignments):
    later, _sooner, past, _b = assignments
    hand_in(cast.a.student, later, uploads=[pdf()])
    corrected = hand_in(cast.a.classmate, later, uploads=[pdf()])
    services.check_give_feedback(
        cast.a.teacher.user, corrected, services.FeedbackInput(text="Bien")
    )
    home = services.home_assignments(cast.a.teacher)
    assert [(a, a.awaiting_feedback_count) for a in home.to_correct] == [(later, 1)]
    assert "1 dépôt à corriger" in render(home)


@pytest.mark.parametrize("who", ["direction", "tutor"])
def test_other_roles_get_nothing_to_show(cast, who):
    home = services.home_assignments(getattr(cast.a, who))
    assert home is None
    assert render(home).strip() == ""


def test_a_parents_home_costs_the_same_queries_with_more_children(cast, assignments):
    parent = cast.a.parent
    with CaptureQueriesContext(connection) as two_children:
        render(services.home_assignments(parent))
    for _ in range(4):
        child = make_profile(Profile.Role.STUDENT, cast.a.establishment)
        child.enrolments.create(school_class=cast.a.class_a, school_year=cast.a.year)
        ParentLink.objects.create(parent=parent, student=child)
    with CaptureQueriesContext(connection) as six_children:
        home = services.home_assignments(parent)
        render(home)
    assert len(home.children) == 6
    assert len(six_children.captured_queries) == len(two_children.captured_queries)


def test_a_teachers_home_costs_the_same_queries_with_more_assignments(cast):
    first = set_assignment(cast.a.teacher, cast.a.class_a)
    hand_in(cast.a.student, first, uploads=[pdf()])
    with CaptureQueriesContext(connection) as one:
        render(services.home_assignments(cast.a.teacher))
    for _ in range(4):
        hand_in(cast.a.student, set_assignment(cast.a.teacher, cast.a.class_a), uploads=[pdf()])
    with CaptureQueriesContext(connection) as five:
        home = services.home_assignments(cast.a.teacher)
        render(home)
    assert len(home.to_correct) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
