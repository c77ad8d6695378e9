from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lien.core.demo import SchoolBuilder
from lien.core.models import ParentLink, Profile
from lien.messaging import services
from lien.messaging.models import Address, Delivery, Message, SendingSuspension
from lien.tests.factories import make_profile

Kind = Address.Kind


def to_class_parents(school_class, **draft):
    return services.Draft(
        subject=draft.pop("subject", "Sortie au musée"),
        body=draft.pop("body", "Merci de signer l'autorisation."),
        addresses=[Address(kind=Kind.CLASS_PARENTS, school_class=school_class)],
        **draft,
    )


def to_user(user, **draft):
    return services.Draft(
        subject=draft.pop("subject", "Question"),
        body=draft.pop("body", "Bonjour, une question."),
        addresses=[Address(kind=Kind.USER, user=user)],
        **draft,
    )


def send(sender_profile, draft):
    return services.check_send(sender_profile.user, sender_profile.establishment, draft)


def test_a_teacher_writes_to_the_parents_of_a_class_stored_once(cast):
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a))
    assert Message.objects.count() == 1
    recipients = set(message.deliveries.values_list("recipient__username", flat=True))
    assert recipients == {cast.a.parent.user.username, cast.a.classmate_parent.user.username}
    assert message.recipient_count == 2
    assert services.unread_count(cast.a.parent.user) == 1
    assert services.unread_count(cast.b.parent.user) == 0


def test_read_stats_count_who_has_read(cast):
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a))
    services.do_mark_read(message.deliveries.get(recipient=cast.a.parent.user))
    stats = services.read_stats(message)
    assert (stats.read, stats.total) == (1, 2)
    assert stats.unread_names == [cast.a.classmate_parent.user.get_full_name()]
    assert services.unread_count(cast.a.parent.user) == 0


def test_a_parent_replies_to_the_teacher_in_the_same_conversation(cast):
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a))
    reply = send(cast.a.parent, to_user(cast.a.teacher.user, in_reply_to=message))
    assert reply.conversation_id == message.conversation_id
    assert services.unread_count(cast.a.teacher.user) == 1


def test_a_parent_of_another_class_cannot_reply(cast):
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a))
    parent_b = make_profile(Profile.Role.PARENT, cast.a.establishment)
    ParentLink.objects.create(parent=parent_b, student=cast.a.other_class_student)
    with pytest.raises(PermissionDenied):
        send(parent_b, to_user(cast.a.teacher.user, in_reply_to=message))
    assert Message.objects.count() == 1


def test_a_parent_cannot_address_another_family(cast):
    with pytest.raises(PermissionDenied, match="Vous ne pouvez pas écrire à"):
        send(cast.a.parent, to_user(cast.a.classmate_parent.user))
    assert Message.objects.count() == 0


def test_a_parent_cannot_address_the_parents_of_a_class(cast):
    with pytest.raises(PermissionDenied, match="cette liste"):
        send(cast.a.parent, to_class_parents(cast.a.class_a))
    assert Delivery.objects.count() == 0


def test_a_list_of_another_establishment_is_refused(cast):
    with pytest.raises(PermissionDenied, match="votre établissement"):
        send(cast.a.direction, to_class_parents(cast.b.class_a))


@pytest.mark.parametrize(
    ("draft_fields", "error"),
    [
        ({"subject": "  "}, "Donnez un objet"),
        ({"subject": "x" * 201}, "L'objet est trop long"),
        ({"body": " "}, "Le message est vide"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(cast, draft_fields, error):
    with pytest.raises(ValidationError, match=error):
        send(cast.a.teacher, to_class_parents(cast.a.class_a, **draft_fields))
    assert Message.objects.count() == 0


def test_no_recipient_is_refused(cast):
    draft = services.Draft(subject="Objet", body="Texte", addresses=[])
    with pytest.raises(ValidationError, match="au moins un destinataire"):
        send(cast.a.teacher, draft)


def test_a_deactivated_recipient_is_refused(cast):
    cast.a.parent.user.is_active = False
    cast.a.parent.user.save()
    with pytest.raises(ValidationError, match="plus de compte actif"):
        send(cast.a.teacher, to_user(cast.a.parent.user))


def test_a_double_submit_sends_one_message(cast):
    first = send(cast.a.teacher, to_class_parents(cast.a.class_a, idempotency_key="k1"))
    second = send(cast.a.teacher, to_class_parents(cast.a.class_a, idempotency_key="k1"))
    assert first.pk == second.pk
    assert Delivery.objects.count() == 2


def test_a_scheduled_message_stays_invisible_until_its_time(cast):
    later = timezone.now() + timedelta(hours=2)
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a, send_at=later))
    assert services.unread_count(cast.a.parent.user) == 0
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - timedelta(seconds=1))
    assert services.unread_count(cast.a.parent.user) == 1


def test_a_scheduled_time_in_the_past_is_refused(cast):
    earlier = timezone.now() - timedelta(minutes=5)
    with pytest.raises(ValidationError, match="dans le futur"):
        send(cast.a.teacher, to_class_parents(cast.a.class_a, send_at=earlier))


def test_an_unread_message_can_be_recalled_a_read_one_cannot(cast):
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a))
    services.check_recall(cast.a.teacher.user, message)
    assert services.unread_count(cast.a.parent.user) == 0
    second = send(cast.a.teacher, to_class_parents(cast.a.class_a, subject="Autre"))
    services.do_mark_read(second.deliveries.get(recipient=cast.a.parent.user))
    with pytest.raises(ValidationError, match="déjà été lu"):
        services.check_recall(cast.a.teacher.user, second)


def test_parents_cannot_recall_or_send_without_reply(cast):
    message = send(cast.a.parent, to_user(cast.a.teacher.user))
    with pytest.raises(PermissionDenied):
        services.check_recall(cast.a.parent.user, message)
    with pytest.raises(PermissionDenied):
        send(cast.a.parent, to_user(cast.a.teacher.user, is_no_reply=True))


def test_nobody_replies_to_a_no_reply_message(cast):
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a, is_no_reply=True))
    with pytest.raises(PermissionDenied):
        send(cast.a.parent, to_user(cast.a.teacher.user, in_reply_to=message))


def test_an_operator_suspends_sending_for_all_pupils_with_the_reason_shown(cast):
    SendingSuspension.objects.create(
        collectivity=cast.a.establishment.collectivity,
        role=Profile.Role.STUDENT,
        reason="messages menaçants reçus",
        created_by=cast.operator.user,
    )
    with pytest.raises(PermissionDenied, match="messages menaçants reçus"):
        send(cast.a.student, to_user(cast.a.teacher.user))
    assert send(cast.a.teacher, to_user(cast.a.student.user)).recipient_count == 1


def test_a_draft_is_saved_without_checks_and_sent_later_in_place(cast):
    draft = services.do_save_draft(
        cast.a.teacher.user, cast.a.establishment, to_class_parents(cast.a.class_a, body="")
    )
    assert draft.is_draft
    assert services.unread_count(cast.a.parent.user) == 0
    sent = services.check_send(
        cast.a.teacher.user,
        cast.a.establishment,
        to_class_parents(cast.a.class_a, body="Le texte complet."),
        message=draft,
    )
    assert sent.pk == draft.pk
    assert not sent.is_draft
    assert Message.objects.count() == 1


def test_deleting_for_oneself_keeps_the_message_for_the_others(cast):
    message = send(cast.a.teacher, to_class_parents(cast.a.class_a))
    mine = message.deliveries.get(recipient=cast.a.parent.user)
    services.do_move(mine, Delivery.Box.TRASH)
    assert services.do_empty_trash(cast.a.parent.user) == 1
    assert services.unread_count(cast.a.classmate_parent.user) == 1
    assert Message.objects.filter(pk=message.pk).exists()


def test_fan_out_to_a_whole_establishment_is_one_message_and_bulk_rows(
    cast, django_assert_max_num_queries
):
    school = cast.a.establishment
    builder = SchoolBuilder(seed=3)
    users = builder.create_users([builder.person() for _ in range(300)])
    Profile.objects.bulk_create(
        [
            Profile(
                user=u, role=Profile.Role.STAFF, staff_function="school_life", establishment=school
            )
            for u in users
        ]
    )
    draft = services.Draft(
        subject="Réunion", body="Demain 17 h", addresses=[Address(kind=Kind.STAFF)]
    )
    with django_assert_max_num_queries(30):
        message = send(cast.a.direction, draft)
    assert message.recipient_count == 300 + 3  # the new staff and the three others of the cast
