"""At most N messages an hour per person (30 for pupils and parents, 200 for adults at work)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lien.core.models import Profile
from lien.messaging import safety, services
from lien.messaging.models import Message
from lien.messaging.tests.attachment_fixtures import send, to_user


@pytest.fixture
def small_limits(settings):
    settings.LIEN_MESSAGES_PER_HOUR = {
        "student": 2,
        "parent": 2,
        "tutor": 2,
        "teacher": 4,
        "staff": 4,
        "operator": 4,
    }


def age(message, minutes):
    """Pretend the message was sent `minutes` ago."""
    moment = timezone.now() - timedelta(minutes=minutes)
    Message.objects.filter(pk=message.pk).update(sent_at=moment, updated_at=moment)


def test_the_defaults_are_30_for_families_and_200_for_adults(settings):
    assert settings.LIEN_MESSAGES_PER_HOUR == {
        "student": 30,
        "parent": 30,
        "tutor": 30,
        "teacher": 200,
        "staff": 200,
        "operator": 200,
    }


def test_a_pupil_past_the_limit_is_told_when_to_try_again(cast, small_limits):
    pupil, teacher = cast.a.student, cast.a.teacher.user
    first = send(pupil, to_user(teacher, subject="1"))
    age(first, 40)
    send(pupil, to_user(teacher, subject="2"))
    with pytest.raises(ValidationError) as refused:
        send(pupil, to_user(teacher, subject="3"))
    assert refused.value.messages == [
        "Vous avez envoyé beaucoup de messages en peu de temps (2 par heure au plus) : "
        "réessayez dans 20 minutes. Votre message n'est pas perdu."
    ]
    assert sorted(Message.objects.values_list("subject", flat=True)) == ["1", "2"]


def test_messages_older_than_an_hour_no_longer_count(cast, small_limits):
    pupil, teacher = cast.a.student, cast.a.teacher.user
    for subject in ("1", "2"):
        age(send(pupil, to_user(teacher, subject=subject)), 61)
    send(pupil, to_user(teacher, subject="3"))
    assert Message.objects.filter(sender=pupil.user).count() == 3


def test_teachers_have_a_higher_limit(cast, small_limits):
    for index in range(4):
        send(cast.a.teacher, to_user(cast.a.student.user, subject=str(index)))
    with pytest.raises(ValidationError, match=r"\(4 par heure au plus\)"):
        send(cast.a.teacher, to_user(cast.a.student.user, subject="5"))


def test_a_parent_who_is_also_a_teacher_gets_the_adult_limit(cast, small_limits):
    parent = cast.a.parent
    Profile.objects.create(
        user=parent.user, role=Profile.Role.TEACHER, establishment=cast.b.establishment
    )
    assert safety.hourly_limit(parent.user) == 4
    assert safety.hourly_limit(cast.a.classmate_parent.user) == 2


def test_scheduled_messages_count_when_they_are_scheduled(cast, small_limits):
    pupil, teacher = cast.a.student, cast.a.teacher.user
    later = timezone.now() + timedelta(days=3)
    send(pupil, to_user(teacher, subject="1", send_at=later))
    send(pupil, to_user(teacher, subject="2", send_at=later))
    with pytest.raises(ValidationError, match="réessayez dans 60 minutes"):
        send(pupil, to_user(teacher, subject="3"))


def test_drafts_do_not_count(cast, small_limits):
    pupil, teacher = cast.a.student, cast.a.teacher.user
    for index in range(3):
        services.do_save_draft(
            pupil.user, pupil.establishment, to_user(teacher, subject=str(index))
        )
    send(pupil, to_user(teacher, subject="envoyé"))
    assert Message.objects.filter(sender=pupil.user, sent_at__isnull=False).count() == 1


def test_each_person_has_their_own_count(cast, small_limits):
    for index in range(2):
        send(cast.a.student, to_user(cast.a.teacher.user, subject=str(index)))
    send(cast.a.classmate, to_user(cast.a.teacher.user, subject="autre élève"))
    assert Message.objects.filter(sender=cast.a.classmate.user).count() == 1


def test_one_minute_left_is_said_in_the_singular(cast, small_limits):
    pupil, teacher = cast.a.student, cast.a.teacher.user
    age(send(pupil, to_user(teacher, subject="1")), 59.5)
    send(pupil, to_user(teacher, subject="2"))
    with pytest.raises(ValidationError, match="réessayez dans 1 minute\\. "):
        send(pupil, to_user(teacher, subject="3"))
