from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from lien.messaging import services
from lien.messaging.models import Address, Conversation, Message
from lien.messaging.tests.compose_support import (
    Kind,
    checked_lists,
    chosen_people,
    drafts_of,
    form,
    key,
    send,
    to_user,
)

SENT_AT = datetime(2026, 11, 24, 8, 12, tzinfo=ZoneInfo("Europe/Paris"))


def url(name, message):
    return reverse(f"messaging:{name}", args=[message.code])


def named(profile, first, last):
    profile.user.first_name, profile.user.last_name = first, last
    profile.user.save(update_fields=["first_name", "last_name"])
    return profile


@pytest.fixture
def outing(cast):
    """The teacher writes to the parents of 2nde A."""
    named(cast.a.teacher, "Marc", "Dupont")
    message = send(cast.a.teacher, [Address(kind=Kind.CLASS_PARENTS, school_class=cast.a.class_a)])
    Message.objects.filter(pk=message.pk).update(sent_at=SENT_AT)
    message.refresh_from_db()
    return message


def test_reply_prefills_the_author_the_subject_and_the_quoted_original(cast, login, outing):
    response = login(cast.a.parent).get(url("reply", outing))
    form_fields = response.context["form"]
    assert response.status_code == 200
    assert chosen_people(response) == [str(cast.a.teacher.user.code)]
    assert checked_lists(response) == set()
    assert form_fields["subject"].value() == "Re : Sortie au musée"
    assert form_fields["body"].value() == (
        "\n\nLe 24/11/2026 à 08:12, Marc Dupont a écrit :\n"
        "> Rendez-vous à 8 h.\n> Prévoir un pique-nique."
    )


def test_a_reply_is_sent_in_the_same_conversation(cast, login, outing):
    client = login(cast.a.parent)
    response = client.post(
        url("reply", outing),
        form(subject="Re : Sortie au musée", body="Bien reçu.", people=[cast.a.teacher.user.code]),
    )
    reply = Message.objects.get(sender=cast.a.parent.user)
    assert response.status_code == 302
    assert response["Location"] == url("message", reply)
    assert reply.in_reply_to == outing
    assert reply.conversation_id == outing.conversation_id
    assert Conversation.objects.count() == 1
    assert list(reply.deliveries.values_list("recipient", flat=True)) == [cast.a.teacher.user.pk]


def test_re_is_not_doubled(cast, login, outing):
    reply = send(cast.a.parent, [to_user(cast.a.teacher)], subject="Re : Sortie au musée")
    reply.in_reply_to = outing
    reply.save()
    response = login(cast.a.teacher).get(url("reply", reply))
    assert response.context["form"]["subject"].value() == "Re : Sortie au musée"


def test_a_parent_replying_all_to_a_class_list_answers_only_the_teacher(cast, login, outing):
    response = login(cast.a.parent).get(url("reply-all", outing))
    assert chosen_people(response) == [str(cast.a.teacher.user.code)]
    assert checked_lists(response) == set()
    assert cast.a.classmate_parent.user.get_full_name() not in response.content.decode()
    login(cast.a.parent).post(
        url("reply-all", outing),
        form(
            people=chosen_people(response),
            lists=list(checked_lists(response)),
            body="Merci.",
        ),
    )
    reply = Message.objects.get(sender=cast.a.parent.user)
    assert list(reply.deliveries.values_list("recipient", flat=True)) == [cast.a.teacher.user.pk]


def test_reply_all_keeps_the_people_and_lists_the_replier_may_address(cast, login):
    message = send(
        cast.a.direction,
        [
            to_user(cast.a.teacher),
            to_user(cast.a.other_teacher, field="cc"),
            to_user(cast.a.parent, field="bcc"),
            to_user(cast.a.classmate_parent),
            Address(kind=Kind.STAFF),
            Address(kind=Kind.CLASS_PARENTS, school_class=cast.a.class_b),
            Address(kind=Kind.CLASS_STUDENTS, school_class=cast.a.class_a),
        ],
    )
    response = login(cast.a.teacher).get(url("reply-all", message))
    assert chosen_people(response) == [
        str(cast.a.direction.user.code),
        str(cast.a.other_teacher.user.code),
        str(cast.a.classmate_parent.user.code),  # the teacher teaches this parent's child
    ]
    assert checked_lists(response) == {"staff", key(Kind.CLASS_STUDENTS, cast.a.class_a)}


def test_reply_all_leaves_out_people_the_replier_may_not_write_to(cast, login):
    message = send(
        cast.a.teacher, [to_user(cast.a.parent), to_user(cast.a.classmate_parent)], subject="RDV"
    )
    response = login(cast.a.parent).get(url("reply-all", message))
    assert chosen_people(response) == [str(cast.a.teacher.user.code)]


def test_reply_to_one_s_own_message_goes_to_its_recipients(cast, login):
    message = send(cast.a.teacher, [to_user(cast.a.parent)])
    response = login(cast.a.teacher).get(url("reply", message))
    assert chosen_people(response) == [str(cast.a.parent.user.code)]


def test_forward_starts_a_new_conversation_with_the_original_quoted(cast, login, outing):
    client = login(cast.a.parent)
    page = client.get(url("forward", outing))
    assert page.context["form"]["subject"].value() == "Tr : Sortie au musée"
    assert (
        page.context["form"]["body"]
        .value()
        .startswith("\n\nLe 24/11/2026 à 08:12, Marc Dupont a écrit :\n> Rendez-vous à 8 h.")
    )
    assert chosen_people(page) == []
    assert checked_lists(page) == set()
    response = client.post(
        url("forward", outing),
        form(
            subject="Tr : Sortie au musée",
            body=page.context["form"]["body"].value(),
            lists=["staff"],
        ),
    )
    forwarded = Message.objects.get(sender=cast.a.parent.user)
    assert response.status_code == 302
    assert forwarded.in_reply_to is None
    assert forwarded.conversation_id != outing.conversation_id
    assert forwarded.subject == "Tr : Sortie au musée"


def test_the_sender_may_forward_their_own_message(cast, login, outing):
    assert login(cast.a.teacher).get(url("forward", outing)).status_code == 200


@pytest.mark.parametrize("view", ["reply", "reply-all", "forward"])
@pytest.mark.parametrize(
    "who",
    [
        "b.parent",  # another establishment
        "a.other_teacher",  # a colleague who did not receive it
        "a.student",  # a pupil of the class, not a recipient
        "a.direction",  # staff see only what they received
    ],
)
def test_someone_who_did_not_receive_it_gets_404(cast, login, outing, view, who):
    school, name = who.split(".")
    client = login(getattr(getattr(cast, school), name))
    assert client.get(url(view, outing)).status_code == 404
    assert client.post(url(view, outing), form(people=[cast.a.teacher.user.code])).status_code == (
        404
    )
    assert Message.objects.count() == 1


def test_another_family_cannot_reply_to_a_message_sent_to_one_parent(cast, login):
    message = send(cast.a.teacher, [to_user(cast.a.parent)])
    assert login(cast.a.classmate_parent).get(url("reply", message)).status_code == 404


def test_a_draft_or_a_scheduled_message_cannot_be_answered_yet(cast, login):
    draft = services.do_save_draft(
        cast.a.teacher.user,
        cast.a.establishment,
        services.Draft(subject="Brouillon", body="", addresses=[to_user(cast.a.parent)]),
    )
    later = send(cast.a.teacher, [to_user(cast.a.parent)], send_at=timezone.now() + timedelta(1))
    client = login(cast.a.parent)
    assert client.get(url("reply", draft)).status_code == 404
    assert client.get(url("reply", later)).status_code == 404
    assert client.get(url("forward", later)).status_code == 404


def test_nobody_replies_to_a_no_reply_message(cast, login):
    message = send(cast.a.teacher, [to_user(cast.a.parent)], is_no_reply=True)
    client = login(cast.a.parent)
    for view in ("reply", "reply-all"):
        response = client.get(url(view, message))
        assert response.status_code == 403
        assert "Sans réponse possible" in response.content.decode()
        response = client.post(url(view, message), form(people=[cast.a.teacher.user.code]))
        assert response.status_code == 403
    assert Message.objects.count() == 1
    assert client.get(url("forward", message)).status_code == 200


def test_a_locked_conversation_cannot_be_answered(cast, login, outing):
    Conversation.objects.filter(pk=outing.conversation_id).update(locked_at=timezone.now())
    response = login(cast.a.parent).get(url("reply", outing))
    assert response.status_code == 403
    assert "verrouillée par l&#x27;établissement" in response.content.decode()


def test_a_recalled_message_can_be_neither_answered_nor_forwarded_by_its_sender(
    cast, login, outing
):
    services.check_recall(cast.a.teacher.user, outing)
    client = login(cast.a.teacher)
    assert client.get(url("reply", outing)).status_code == 403
    assert client.get(url("forward", outing)).status_code == 403
    assert login(cast.a.parent).get(url("reply", outing)).status_code == 404


def test_a_reply_saved_as_a_draft_reopens_and_is_sent_in_the_conversation(cast, login, outing):
    client = login(cast.a.parent)
    response = client.post(
        url("reply", outing),
        form(action="save", body="Je réponds demain.", people=[cast.a.teacher.user.code]),
    )
    draft = drafts_of(cast.a.parent).get()
    assert response["Location"] == reverse("messaging:edit-draft", args=[draft.code])
    assert draft.in_reply_to == outing
    page = client.get(response["Location"])
    assert "À propos de « Sortie au musée », de Marc Dupont." in page.content.decode()
    assert chosen_people(page) == [str(cast.a.teacher.user.code)]
    client.post(
        response["Location"],
        form(
            body="Je réponds aujourd'hui.",
            people=[cast.a.teacher.user.code],
            idempotency_key=page.context["idempotency_key"],
        ),
    )
    sent = Message.objects.get(pk=draft.pk)
    assert sent.sent_at is not None
    assert sent.conversation_id == outing.conversation_id


def test_staff_answer_their_collectivity_s_operator(cast, login):
    message = services.check_send(
        cast.operator.user,
        cast.a.establishment,
        services.Draft(
            subject="Maintenance", body="Coupure samedi.", addresses=[to_user(cast.a.direction)]
        ),
    )
    client = login(cast.a.direction)
    page = client.get(url("reply", message))
    assert chosen_people(page) == [str(cast.operator.user.code)]
    response = client.post(
        url("reply", message), form(body="Bien noté.", people=chosen_people(page))
    )
    reply = Message.objects.get(sender=cast.a.direction.user)
    assert response.status_code == 302
    assert list(reply.deliveries.values_list("recipient", flat=True)) == [cast.operator.user.pk]
    assert reply.conversation_id == message.conversation_id
