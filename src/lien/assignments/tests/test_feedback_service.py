"""Returning feedback: text, mark out of 20, corrected copy, and the message that tells the
pupil and their parents."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lien.assignments import services
from lien.assignments.models import Feedback, ReturnedFile
from lien.assignments.tests.fixtures import PDF, hand_in, pdf, set_assignment, stored_paths
from lien.messaging.models import Delivery, Message
from lien.messaging.tests import attachment_fixtures as samples


@pytest.fixture
def submission(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a, title="Dissertation")
    return hand_in(cast.a.student, assignment, uploads=[pdf()])


def give(who, submission, **fields):
    return services.check_give_feedback(who.user, submission, services.FeedbackInput(**fields))


def test_feedback_is_stored_and_the_pupil_and_parents_are_told(cast, submission, media_root):
    outcome = give(
        cast.a.teacher,
        submission,
        text="Bon travail.",
        mark="14,5",
        returned_file=pdf("Copie corrigée.pdf", PDF + b"c"),
    )
    feedback = Feedback.objects.get(submission=submission)
    assert (feedback.text, feedback.mark, feedback.given_by) == (
        "Bon travail.",
        Decimal("14.50"),
        cast.a.teacher.user,
    )
    returned = feedback.returned_file
    assert (returned.original_name, returned.content_type) == (
        "Copie corrigée.pdf",
        "application/pdf",
    )
    assert Path(media_root, returned.file.name).read_bytes() == PDF + b"c"
    assert (outcome.notified, outcome.notification_error) == (True, "")
    message = Message.objects.get(sender=cast.a.teacher.user)
    assert message.subject == "Devoir corrigé : Dissertation"
    assert message.is_no_reply
    assert f"/devoirs/{submission.assignment.code}/" in message.body
    recipients = set(Delivery.objects.filter(message=message).values_list("recipient", flat=True))
    assert recipients == {cast.a.student.user_id, cast.a.parent.user_id}
    assert feedback.notified_at is not None


def test_editing_feedback_does_not_notify_again_and_replaces_the_returned_copy(
    cast, submission, django_capture_on_commit_callbacks
):
    give(cast.a.teacher, submission, text="Bien.", returned_file=pdf("v1.pdf"))
    first_copy = ReturnedFile.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        outcome = give(
            cast.a.teacher, submission, text="Très bien.", returned_file=pdf("v2.pdf", PDF + b"2")
        )
    assert outcome.notified is False and outcome.notification_error == ""
    assert Message.objects.filter(sender=cast.a.teacher.user).count() == 1
    feedback = Feedback.objects.get()
    assert feedback.text == "Très bien."
    assert feedback.returned_file.original_name == "v2.pdf"
    assert first_copy not in stored_paths()


def test_editing_without_a_new_copy_keeps_the_returned_one(cast, submission):
    give(cast.a.teacher, submission, text="Bien.", returned_file=pdf("v1.pdf"))
    give(cast.a.teacher, submission, text="", mark="12")
    feedback = Feedback.objects.get()
    assert (feedback.text, feedback.mark, feedback.returned_file.original_name) == (
        "",
        Decimal("12.00"),
        "v1.pdf",
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("", None), ("0", Decimal("0")), ("20", Decimal("20")), ("12.5", Decimal("12.5"))],
)
def test_marks_are_read_as_typed(typed, expected):
    assert services.parse_mark(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("21", "La note doit être comprise entre 0 et 20."),
        ("-1", "La note doit être comprise entre 0 et 20."),
        ("douze", "La note doit être un nombre entre 0 et 20, par exemple 14 ou 12,5."),
        ("NaN", "La note doit être un nombre entre 0 et 20, par exemple 14 ou 12,5."),
        ("12,345", "La note a au plus deux décimales."),
    ],
)
def test_a_bad_mark_is_refused_and_nothing_is_saved(cast, submission, typed, message):
    with pytest.raises(ValidationError) as refused:
        give(cast.a.teacher, submission, text="Bien", mark=typed)
    assert refused.value.message_dict == {"mark": [message]}
    assert not Feedback.objects.exists()
    assert not Message.objects.exists()


def test_an_empty_feedback_is_refused(cast, submission):
    with pytest.raises(ValidationError, match="Votre retour est vide"):
        give(cast.a.teacher, submission, text="  ")
    assert not Feedback.objects.exists()


def test_a_refused_returned_file_saves_nothing(cast, submission):
    before = stored_paths()
    with pytest.raises(ValidationError) as refused:
        give(cast.a.teacher, submission, text="Bien", returned_file=pdf("x.html", samples.HTML))
    assert "n'est pas d'un type accepté" in refused.value.message_dict["returned_file"][0]
    assert not Feedback.objects.exists()
    assert stored_paths() == before


@pytest.mark.parametrize(
    "who", ["other_teacher", "group_teacher", "direction", "student", "parent"]
)
def test_only_the_assignments_teacher_gives_feedback(cast, submission, who):
    with pytest.raises(PermissionDenied):
        give(getattr(cast.a, who), submission, text="Bien")
    assert not Feedback.objects.exists()


def test_feedback_goes_on_the_latest_version_only(cast, submission):
    hand_in(cast.a.student, submission.assignment, uploads=[pdf("v2.pdf", PDF + b"2")])
    submission.refresh_from_db()
    with pytest.raises(ValidationError, match="version plus récente"):
        give(cast.a.teacher, submission, text="Bien")
    assert not Feedback.objects.exists()


def test_a_failed_notification_keeps_the_feedback_and_says_why(cast, submission, monkeypatch):
    from lien.messaging import services as messaging

    def refuse(*args, **kwargs):
        raise PermissionDenied("L'envoi de messages est suspendu pour votre profil : grève.")

    monkeypatch.setattr(messaging, "check_send", refuse)
    outcome = give(cast.a.teacher, submission, text="Bien")
    assert outcome.notified is False
    assert outcome.notification_error == (
        "L'envoi de messages est suspendu pour votre profil : grève."
    )
    feedback = Feedback.objects.get()
    assert feedback.notified_at is None
