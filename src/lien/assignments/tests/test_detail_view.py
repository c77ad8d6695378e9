"""One assignment as its pupils and their parents see it (/devoirs/<code>/): instructions,
status, every version with its receipt, and the teacher's feedback."""

from datetime import timedelta

import pytest
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
from lien.tests.world import resolve


@pytest.fixture
def assignment(cast):
    return set_assignment(
        cast.a.teacher,
        cast.a.class_a,
        title="Analyse du poème",
        instructions="Lisez le poème p. 12 et répondez aux questions.",
    )


def url(assignment):
    return reverse("assignments:detail", args=[assignment.code])


def test_a_pupil_sees_the_instructions_and_the_hand_in_button(cast, login, assignment):
    response = login(cast.a.student).get(url(assignment))
    page = page_text(response)
    assert response.status_code == 200
    assert "Lisez le poème p. 12" in page
    assert "Rendre mon devoir" in page
    assert "À rendre" in page


def test_a_pupil_reads_their_versions_and_the_feedback(cast, login, assignment):
    hand_in(cast.a.student, assignment, uploads=[pdf("Premier jet.pdf")])
    latest = hand_in(cast.a.student, assignment, uploads=[pdf("Final.pdf", PDF + b"f")])
    services.check_give_feedback(
        cast.a.teacher.user,
        latest,
        services.FeedbackInput(text="Analyse fine, conclusion trop courte.", mark="15,5"),
    )
    page = page_text(login(cast.a.student).get(url(assignment)))
    assert "Version 2 (celle qui compte)" in page
    assert "Version 1 (remplacée)" in page
    assert "Premier jet.pdf" in page and "Final.pdf" in page
    assert "Analyse fine, conclusion trop courte." in page
    assert "Note : 15,5 / 20" in page
    assert "Rendre une nouvelle version" in page


def test_a_parent_sees_their_childs_work_and_feedback_but_no_hand_in_button(
    cast, login, assignment
):
    submission = hand_in(cast.a.student, assignment, uploads=[pdf("Copie.pdf")])
    services.check_give_feedback(
        cast.a.teacher.user, submission, services.FeedbackInput(text="Très bien.")
    )
    response = login(cast.a.parent).get(url(assignment))
    page = page_text(response)
    assert response.status_code == 200
    assert response.context["student"] == cast.a.student
    assert submission.receipt_code in page
    assert "Très bien." in page
    assert "Seul l'élève rend ce devoir" in page
    assert reverse("assignments:submit", args=[assignment.code]) not in page


def test_after_the_deadline_the_pupil_is_told_nothing_more_is_accepted(cast, login, assignment):
    move_deadline(assignment, -timedelta(hours=1))
    page = page_text(login(cast.a.student).get(url(assignment)))
    assert "Non rendu" in page
    assert "ce devoir n'accepte plus de dépôt" in page


def test_its_teacher_and_the_staff_are_sent_to_the_tracking_table(cast, login, assignment):
    for who in (cast.a.teacher, cast.a.direction):
        response = login(who).get(url(assignment))
        assert response.status_code == 302
        assert response["Location"] == reverse("assignments:tracking", args=[assignment.code])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.sibling", 403),  # 2nde B
        ("a.other_class_student", 403),
        ("a.other_teacher", 403),
        ("a.tutor", 403),
        ("b.student", 404),
        ("b.parent", 404),
        ("c.teacher", 404),
    ],
)
def test_nobody_else_sees_it(cast, login, assignment, who, status):
    response = login(resolve(cast, who)).get(url(assignment))
    assert response.status_code == status


def test_another_familys_parent_is_refused(cast, login, assignment):
    """a.classmate_parent's child is in 2nde A: they see the assignment, but only their own
    child's work, never a.student's."""
    hand_in(cast.a.student, assignment, uploads=[pdf("Copie de l'élève.pdf")])
    response = login(cast.a.classmate_parent).get(
        url(assignment), {"enfant": str(cast.a.student.code)}
    )
    assert response.status_code == 200
    assert response.context["student"] == cast.a.classmate
    assert "Copie de l'élève.pdf" not in page_text(response)
