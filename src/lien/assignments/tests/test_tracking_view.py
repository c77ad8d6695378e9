"""The tracking table (/devoirs/<code>/suivi/): who handed in, who is late, who has not."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lien.assignments import services
from lien.assignments.tests.fixtures import (
    PDF,
    hand_in,
    move_deadline,
    page_text,
    pdf,
    set_assignment,
)
from lien.core.models import Enrolment, Profile
from lien.tests.factories import make_profile
from lien.tests.world import resolve


@pytest.fixture
def assignment(cast):
    return set_assignment(cast.a.teacher, cast.a.class_a, late_submissions_allowed=True)


def url(assignment):
    return reverse("assignments:tracking", args=[assignment.code])


def test_the_teacher_sees_each_pupils_state(cast, login, assignment):
    on_time = hand_in(cast.a.student, assignment, uploads=[pdf(), pdf("b.pdf", PDF + b"b")])
    services.check_give_feedback(
        cast.a.teacher.user, on_time, services.FeedbackInput(text="Bien", mark="13")
    )
    move_deadline(assignment, -timedelta(hours=1))
    late = make_profile(Profile.Role.STUDENT, cast.a.establishment, username="a.tardif")
    Enrolment.objects.create(student=late, school_class=cast.a.class_a, school_year=cast.a.year)
    hand_in(late, assignment, uploads=[pdf()])
    response = login(cast.a.teacher).get(url(assignment))
    assert response.status_code == 200
    rows = {row.student: row for row in response.context["tracking"].rows}
    assert {student: row.status.label for student, row in rows.items()} == {
        cast.a.student: "Rendu",
        late: "Rendu en retard",
        cast.a.classmate: "Non rendu",
    }
    assert rows[cast.a.student].submission.file_count == 2
    assert response.context["tracking"].counts == {
        "submitted": 1,
        "late": 1,
        "missing": 1,
        "pending": 0,
        "corrected": 1,
    }
    page = page_text(response)
    assert "13/20" in page
    assert reverse("assignments:submission", args=[on_time.code]) in page
    assert reverse("assignments:download-all", args=[assignment.code]) in page


def test_a_pupil_who_left_the_class_stays_listed_with_their_work(cast, login, assignment):
    hand_in(cast.a.classmate, assignment, uploads=[pdf()])
    Enrolment.objects.filter(student=cast.a.classmate).delete()
    response = login(cast.a.teacher).get(url(assignment))
    [row] = [r for r in response.context["tracking"].rows if r.student == cast.a.classmate]
    assert row.in_roster is False
    assert "a quitté la classe ou le groupe" in page_text(response)


def test_staff_read_the_table_without_the_pupils_work(cast, login, assignment):
    submission = hand_in(cast.a.student, assignment, uploads=[pdf()])
    response = login(cast.a.librarian).get(url(assignment))
    page = page_text(response)
    assert response.status_code == 200
    assert "Rendu" in page
    assert reverse("assignments:submission", args=[submission.code]) not in page
    assert reverse("assignments:download-all", args=[assignment.code]) not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.other_teacher", 403),
        ("a.group_teacher", 403),
        ("a.student", 403),
        ("a.parent", 403),
        ("a.tutor", 403),
        ("b.direction", 404),
        ("b.teacher", 404),
        ("c.direction", 404),
    ],
)
def test_nobody_else_reads_it(cast, login, assignment, who, status):
    response = login(resolve(cast, who)).get(url(assignment))
    assert response.status_code == status


def add_pupils_who_handed_in(cast, assignment, count):
    for _number in range(count):
        student = make_profile(Profile.Role.STUDENT, cast.a.establishment)
        Enrolment.objects.create(
            student=student, school_class=cast.a.class_a, school_year=cast.a.year
        )
        submission = hand_in(student, assignment, uploads=[pdf(), pdf("b.pdf", PDF + b"b")])
        services.check_give_feedback(
            cast.a.teacher.user, submission, services.FeedbackInput(text="Bien", mark="12")
        )


def test_the_table_costs_the_same_queries_for_a_small_and_a_large_class(cast, login, assignment):
    client = login(cast.a.teacher)
    client.get(url(assignment))  # warm the session and the caches
    add_pupils_who_handed_in(cast, assignment, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(assignment)).status_code == 200
    add_pupils_who_handed_in(cast, assignment, 8)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url(assignment))
    assert len(response.context["tracking"].rows) == 12
    assert len(large.captured_queries) == len(small.captured_queries)
