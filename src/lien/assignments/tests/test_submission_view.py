"""The teacher's page of one hand-in (/devoirs/depots/<code>/): the pupil's versions and the
feedback form."""

from decimal import Decimal

import pytest
from django.urls import reverse

from lien.assignments.models import Feedback
from lien.assignments.tests.fixtures import PDF, hand_in, page_text, pdf, set_assignment
from lien.messaging.models import Delivery
from lien.tests.world import resolve


@pytest.fixture
def submission(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a, title="Dissertation")
    return hand_in(cast.a.student, assignment, uploads=[pdf("Ma copie.pdf")])


def url(submission):
    return reverse("assignments:submission", args=[submission.code])


def test_the_teacher_returns_feedback_and_the_family_is_told(cast, login, submission):
    client = login(cast.a.teacher)
    page = client.get(url(submission))
    assert page.status_code == 200
    assert "Ma copie.pdf" in page_text(page)
    response = client.post(
        url(submission),
        {
            "text": "Plan clair.",
            "mark": "16,5",
            "returned_file": pdf("Copie annotée.pdf", PDF + b"a"),
        },
        follow=True,
    )
    page = page_text(response)
    assert "Retour enregistré." in page
    assert "L'élève et ses parents ont été prévenus par message." in page
    feedback = Feedback.objects.get()
    assert (feedback.text, feedback.mark, feedback.returned_file.original_name) == (
        "Plan clair.",
        Decimal("16.50"),
        "Copie annotée.pdf",
    )
    assert set(Delivery.objects.values_list("recipient", flat=True)) == {
        cast.a.student.user_id,
        cast.a.parent.user_id,
    }
    # The form now holds the feedback, to be edited.
    assert response.context["form"].initial == {"text": "Plan clair.", "mark": "16,5"}


def test_a_bad_mark_shows_an_error_and_saves_nothing(cast, login, submission):
    response = login(cast.a.teacher).post(url(submission), {"text": "Bien", "mark": "25"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "mark": ["La note doit être comprise entre 0 et 20."]
    }
    assert "Bien" in page_text(response)
    assert not Feedback.objects.exists()
    assert not Delivery.objects.exists()


def test_an_empty_feedback_shows_an_error(cast, login, submission):
    response = login(cast.a.teacher).post(url(submission), {"text": "", "mark": ""})
    assert "Votre retour est vide" in page_text(response)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "who",
    [
        "a.student",
        "a.parent",
        "a.classmate",
        "a.other_teacher",
        "a.direction",
        "b.teacher",
        "c.direction",
    ],
)
def test_nobody_else_opens_or_posts_feedback(cast, login, submission, who):
    client = login(resolve(cast, who))
    assert client.get(url(submission)).status_code == 404
    assert client.post(url(submission), {"text": "Nul", "mark": "0"}).status_code == 404
    assert not Feedback.objects.exists()


def test_the_student_and_the_parent_read_the_returned_feedback(cast, login, submission):
    login(cast.a.teacher).post(url(submission), {"text": "Plan clair.", "mark": "16"})
    detail = reverse("assignments:detail", args=[submission.assignment.code])
    for reader in (cast.a.student, cast.a.parent):
        page = page_text(login(reader).get(detail))
        assert "Plan clair." in page
        assert "Note : 16 / 20" in page
