"""Downloading one handed-in file (/devoirs/fichiers/<code>/) or a corrected copy
(/devoirs/copies-corrigees/<code>/)."""

import pytest
from django.urls import reverse

from lien.assignments import services
from lien.assignments.tests.fixtures import PDF, hand_in, pdf, set_assignment
from lien.tests.world import resolve


@pytest.fixture
def submission(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a)
    submission = hand_in(cast.a.student, assignment, uploads=[pdf("Devoir n°3 (Léa).pdf")])
    services.check_give_feedback(
        cast.a.teacher.user,
        submission,
        services.FeedbackInput(text="Bien", returned_file=pdf("Corrigé.pdf", PDF + b"c")),
    )
    return submission


def file_url(submission):
    return reverse("assignments:file", args=[submission.files.get().code])


def returned_url(submission):
    return reverse("assignments:returned-file", args=[submission.feedback.returned_file.code])


@pytest.mark.parametrize("who", ["a.student", "a.parent", "a.teacher"])
def test_the_pupil_their_parents_and_the_teacher_download_the_files(cast, login, submission, who):
    client = login(resolve(cast, who))
    response = client.get(file_url(submission))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Devoir n3 (Lea).pdf"; '
        "filename*=UTF-8''Devoir%20n%C2%B03%20%28L%C3%A9a%29.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    returned = client.get(returned_url(submission))
    assert returned.status_code == 200
    assert b"".join(returned.streaming_content) == PDF + b"c"
    assert returned["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "who",
    [
        "a.classmate",
        "a.classmate_parent",
        "a.other_teacher",
        "a.direction",
        "a.tutor",
        "b.student",
        "c.teacher",
        "operator",
    ],
)
def test_anyone_else_gets_404(cast, login, submission, who):
    client = login(resolve(cast, who))
    assert client.get(file_url(submission)).status_code == 404
    assert client.get(returned_url(submission)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, submission):
    response = client.get(file_url(submission))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
