"""Reporting a message, and locking its conversation (service and policy)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lien.core import policy
from lien.messaging import safety, services
from lien.messaging.models import Report
from lien.messaging.tests.attachment_fixtures import send, to_user
from lien.tests.world import actor, resolve


@pytest.fixture
def message(cast):
    return send(cast.a.teacher, to_user(cast.a.student.user, subject="Remarque"))


def test_a_recipient_reports_a_message(cast, message):
    report = safety.check_report(cast.a.student.user, message, "  Il se moque de moi.  ")
    assert (report.message, report.establishment, report.reporter, report.reason) == (
        message,
        cast.a.establishment,
        cast.a.student.user,
        "Il se moque de moi.",
    )
    assert report.handled_at is None


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("", "Dites en quelques mots pourquoi vous signalez ce message."),
        ("   \n ", "Dites en quelques mots pourquoi vous signalez ce message."),
        ("x" * 1001, "Le motif est trop long (1000 caractères au plus)."),
    ],
)
def test_a_report_needs_a_reason(cast, message, reason, error):
    with pytest.raises(ValidationError) as refused:
        safety.check_report(cast.a.student.user, message, reason)
    assert refused.value.messages == [error]
    assert Report.objects.count() == 0


def test_a_message_is_reported_once_per_person(cast, message):
    safety.check_report(cast.a.student.user, message, "Insulte")
    with pytest.raises(ValidationError, match="Vous avez déjà signalé ce message."):
        safety.check_report(cast.a.student.user, message, "Encore")
    assert Report.objects.count() == 1


@pytest.mark.parametrize("who", ["a.teacher", "a.classmate", "a.parent", "a.direction"])
def test_only_a_recipient_may_report(cast, message, who):
    with pytest.raises(PermissionDenied):
        safety.check_report(resolve(cast, who).user, message, "Insulte")
    assert Report.objects.count() == 0


def test_a_recalled_message_cannot_be_reported(cast, message):
    services.check_recall(cast.a.teacher.user, message)
    with pytest.raises(PermissionDenied):
        safety.check_report(cast.a.student.user, message, "Insulte")


def test_a_locked_conversation_cannot_be_answered_by_anyone(cast, message):
    report = safety.check_report(cast.a.student.user, message, "Insulte")
    assert services.may_reply(cast.a.student.user, message)
    safety.check_lock(cast.a.direction.user, report)
    message.conversation.refresh_from_db()
    assert message.conversation.locked_by == cast.a.direction.user
    assert not services.may_reply(cast.a.student.user, message)
    assert not services.may_reply(cast.a.teacher.user, message)
    with pytest.raises(PermissionDenied, match="Vous ne pouvez pas répondre à ce message."):
        send(cast.a.student, to_user(cast.a.teacher.user, in_reply_to=message))


def test_locking_twice_is_refused_and_unlocking_restores_replies(cast, message):
    report = safety.check_report(cast.a.student.user, message, "Insulte")
    safety.check_lock(cast.a.school_life.user, report)
    with pytest.raises(ValidationError, match="Cette conversation est déjà verrouillée."):
        safety.check_lock(cast.a.direction.user, report)
    safety.check_unlock(cast.a.direction.user, report)
    assert services.may_reply(cast.a.student.user, message)
    with pytest.raises(ValidationError, match="Cette conversation n'est pas verrouillée."):
        safety.check_unlock(cast.a.direction.user, report)


def test_marking_handled_records_who_and_only_once(cast, message):
    report = safety.check_report(cast.a.student.user, message, "Insulte")
    safety.check_mark_handled(cast.a.school_life.user, report)
    report.refresh_from_db()
    assert report.handled_by == cast.a.school_life.user
    assert report.handled_at is not None
    with pytest.raises(ValidationError, match="Ce signalement est déjà traité."):
        safety.check_mark_handled(cast.a.direction.user, report)


@pytest.mark.parametrize("who", ["a.librarian", "a.ent_admin", "a.teacher", "b.direction"])
def test_only_direction_and_cpe_lock_and_handle(cast, message, who):
    report = safety.check_report(cast.a.student.user, message, "Insulte")
    user = resolve(cast, who).user
    for action in (safety.check_lock, safety.check_mark_handled):
        with pytest.raises(PermissionDenied):
            action(user, report)
    report.refresh_from_db()
    message.conversation.refresh_from_db()
    assert (report.handled_at, message.conversation.locked_at) == (None, None)


# can_handle_message_reports(user, establishment): direction and CPE of their own school.
HANDLE_REPORTS = [
    ("a.direction", "a.establishment", True),
    ("a.school_life", "a.establishment", True),
    ("a.direction", "b.establishment", False),
    ("a.school_life", "c.establishment", False),
    ("a.librarian", "a.establishment", False),
    ("a.ent_admin", "a.establishment", False),
    ("a.teacher", "a.establishment", False),
    ("a.parent", "a.establishment", False),
    ("a.student", "a.establishment", False),
    ("a.tutor", "a.establishment", False),
    ("operator", "a.establishment", False),
    ("anonymous", "a.establishment", False),
    ("no_profile", "a.establishment", False),
    ("inactive a.direction", "a.establishment", False),
    ("inactive a.school_life", "a.establishment", False),
]


@pytest.mark.parametrize(("who", "establishment", "expected"), HANDLE_REPORTS)
def test_can_handle_message_reports(world, who, establishment, expected):
    assert (
        policy.can_handle_message_reports(actor(world, who), resolve(world, establishment))
        is expected
    )
