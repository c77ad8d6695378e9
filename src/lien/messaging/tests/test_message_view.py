"""One message and the thread around it, as its recipient or its sender sees it."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lien.messaging import services
from lien.messaging.models import Conversation, Delivery, Message
from lien.messaging.tests.mailbox_fixtures import (
    class_parents,
    count_queries,
    delivery,
    flashes,
    send,
    to,
)

Box = Delivery.Box


def url(message, name="messaging:message"):
    return reverse(name, args=[message.code])


def reply(sender, message, *addresses, body="Merci."):
    return send(
        sender,
        *(addresses or [message.sender]),
        subject=f"RE: {message.subject}",
        body=body,
        in_reply_to=message,
    )


def test_it_requires_login(client, cast):
    message = send(cast.a.teacher, cast.a.parent)
    response = client.get(url(message))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_recipient_reads_it_and_it_becomes_read(cast, login):
    message = send(cast.a.teacher, cast.a.parent, subject="Sortie", body="Rendez-vous à 8 h.")
    response = login(cast.a.parent).get(url(message))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Sortie</h1>" in body
    assert "<p>Rendez-vous à 8 h.</p>" in body
    assert f"<dt>De</dt><dd>{cast.a.teacher.user.get_full_name()}</dd>" in body
    assert f"<dt>À</dt><dd>{cast.a.parent.user.get_full_name()}</dd>" in body
    assert delivery(message, cast.a.parent).read_at is not None
    assert services.unread_count(cast.a.parent.user) == 0


def test_the_body_is_escaped_with_safe_links(cast, login):
    message = send(
        cast.a.teacher,
        cast.a.parent,
        body='<script>alert("x")</script>\nVoir https://exemple.fr/sortie\n\n<b>fin</b>',
    )
    body = login(cast.a.parent).get(url(message)).content.decode()
    assert "<script>alert" not in body
    assert "<b>fin</b>" not in body
    assert (
        '<div class="message-body"><p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>'
        'Voir <a href="https://exemple.fr/sortie" rel="nofollow noopener">'
        "https://exemple.fr/sortie</a></p>\n\n<p>&lt;b&gt;fin&lt;/b&gt;</p></div>"
    ) in body


def test_cc_is_shown_to_all_bcc_only_to_the_sender(cast, login):
    message = send(
        cast.a.teacher,
        cast.a.parent,
        to(cast.a.other_teacher, field="cc"),
        to(cast.a.direction, field="bcc"),
    )
    other_teacher = cast.a.other_teacher.user.get_full_name()
    direction = cast.a.direction.user.get_full_name()
    for reader in (cast.a.parent, cast.a.other_teacher, cast.a.direction):
        body = login(reader).get(url(message)).content.decode()
        assert f"<dt>Cc</dt><dd>{other_teacher}</dd>" in body
        assert "<dt>Cci</dt>" not in body
        assert direction not in body.split('<ol class="thread">')[1]
    body = login(cast.a.teacher).get(url(message)).content.decode()
    assert f"<dt>Cci</dt><dd>{direction}</dd>" in body


def test_the_sender_sees_who_has_not_read(cast, login):
    message = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")
    login(cast.a.parent).get(url(message))
    response = login(cast.a.teacher).get(url(message))
    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats.read, stats.total) == (1, 2)
    body = response.content.decode()
    assert "<p>1 / 2 lus</p>" in body
    assert f"<li>{cast.a.classmate_parent.user.get_full_name()}</li>" in body
    assert f"<li>{cast.a.parent.user.get_full_name()}</li>" not in body
    assert delivery(message, cast.a.classmate_parent).read_at is None


def test_recipients_do_not_see_the_read_statistics(cast, login):
    message = send(cast.a.teacher, class_parents(cast.a.class_a))
    response = login(cast.a.parent).get(url(message))
    assert "stats" not in response.context
    assert "Qui n'a pas encore lu" not in response.content.decode()


def test_the_thread_shows_only_what_this_user_sent_or_received(cast, login):
    original = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")
    mine = reply(cast.a.parent, original, body="Réponse du parent")
    reply(cast.a.classmate_parent, original, body="Réponse de l'autre famille")
    response = login(cast.a.parent).get(url(original))
    assert [e.message.pk for e in response.context["entries"]] == [original.pk, mine.pk]
    assert "Réponse de l'autre famille" not in response.content.decode()
    teacher_view = login(cast.a.teacher).get(url(original))
    assert len(teacher_view.context["entries"]) == 3


def test_opening_a_thread_marks_all_its_shown_messages_read(cast, login):
    original = send(cast.a.parent, cast.a.teacher, subject="Question")
    answer = reply(cast.a.teacher, original, body="Réponse")
    follow_up = reply(cast.a.parent, answer, cast.a.teacher, body="Et encore")
    login(cast.a.teacher).get(url(follow_up))
    assert delivery(original, cast.a.teacher).read_at is not None
    assert delivery(follow_up, cast.a.teacher).read_at is not None
    assert delivery(answer, cast.a.parent).read_at is None


def test_mark_unread_from_the_message(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    client = login(cast.a.parent)
    client.get(url(message))
    response = client.post(url(message, "messaging:mark-unread"), follow=True)
    assert response.redirect_chain == [(reverse("messaging:inbox"), 302)]
    assert flashes(response) == ["Message marqué comme non lu."]
    assert delivery(message, cast.a.parent).read_at is None


def test_mark_unread_is_refused_to_the_sender_and_to_get(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    client = login(cast.a.teacher)
    assert client.post(url(message, "messaging:mark-unread")).status_code == 404
    assert login(cast.a.parent).get(url(message, "messaging:mark-unread")).status_code == 405


@pytest.mark.parametrize("reader", ["classmate_parent", "teacher_b", "parent_b", "student"])
def test_a_message_of_someone_else_is_not_found(cast, login, reader):
    message = send(cast.a.teacher, cast.a.parent, subject="Privé")
    profile = {
        "classmate_parent": cast.a.classmate_parent,
        "teacher_b": cast.b.teacher,
        "parent_b": cast.b.parent,
        "student": cast.a.student,
    }[reader]
    client = login(profile)
    assert client.get(url(message)).status_code == 404
    assert client.get(url(message, "messaging:print-message")).status_code == 404
    assert client.post(url(message, "messaging:mark-unread")).status_code == 404
    assert client.post(url(message, "messaging:recall")).status_code == 404
    assert delivery(message, cast.a.parent).read_at is None
    assert Message.objects.get(pk=message.pk).recalled_at is None


def test_an_unknown_code_is_not_found(cast, login):
    response = login(cast.a.parent).get(reverse("messaging:message", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_a_scheduled_message_waits_for_its_recipients_not_for_its_sender(cast, login):
    message = send(cast.a.teacher, cast.a.parent, send_at=timezone.now() + timedelta(hours=2))
    assert login(cast.a.parent).get(url(message)).status_code == 404
    assert delivery(message, cast.a.parent).read_at is None
    body = login(cast.a.teacher).get(url(message)).content.decode()
    assert "les destinataires ne le voient pas encore" in body


def test_a_recalled_message_is_gone_for_recipients(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    services.check_recall(cast.a.teacher.user, message)
    assert login(cast.a.parent).get(url(message)).status_code == 404
    response = login(cast.a.teacher).get(url(message))
    assert response.status_code == 200
    assert "ses destinataires ne le voient plus" in response.content.decode()
    assert response.context["may_reply"] is False


def test_a_message_deleted_for_good_is_not_found(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    services.do_move(delivery(message, cast.a.parent), Box.DELETED)
    assert login(cast.a.parent).get(url(message)).status_code == 404


def test_a_draft_is_not_a_message_page(cast, login):
    draft = services.do_save_draft(
        cast.a.teacher.user,
        cast.a.establishment,
        services.Draft(subject="Brouillon", body="", addresses=[to(cast.a.parent)]),
    )
    assert login(cast.a.teacher).get(url(draft)).status_code == 404


def test_a_recipient_may_reply_reply_all_and_forward(cast, login):
    message = send(cast.a.teacher, class_parents(cast.a.class_a))
    body = login(cast.a.parent).get(url(message)).content.decode()
    assert f'href="{url(message, "messaging:reply")}">Répondre</a>' in body
    assert f'href="{url(message, "messaging:reply-all")}">Répondre à tous</a>' in body
    assert f'href="{url(message, "messaging:forward")}">Transférer</a>' in body


def test_reply_all_is_not_offered_for_a_single_recipient(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    body = login(cast.a.parent).get(url(message)).content.decode()
    assert url(message, "messaging:reply") in body
    assert url(message, "messaging:reply-all") not in body


def test_no_reply_messages_and_locked_conversations_offer_only_forward(cast, login):
    no_reply = send(cast.a.teacher, cast.a.parent, is_no_reply=True)
    locked = send(cast.a.teacher, cast.a.parent, subject="Verrouillé")
    Conversation.objects.filter(pk=locked.conversation_id).update(locked_at=timezone.now())
    for message in (no_reply, locked):
        body = login(cast.a.parent).get(url(message)).content.decode()
        assert url(message, "messaging:reply") not in body
        assert url(message, "messaging:reply-all") not in body
        assert f'href="{url(message, "messaging:forward")}">Transférer</a>' in body
    body = login(cast.a.parent).get(url(no_reply)).content.decode()
    assert "L'expéditeur n'attend pas de réponse à ce message." in body


def test_a_teacher_recalls_an_unread_message(cast, login):
    message = send(cast.a.teacher, class_parents(cast.a.class_a))
    client = login(cast.a.teacher)
    assert (
        f'action="{url(message, "messaging:recall")}"' in client.get(url(message)).content.decode()
    )
    response = client.post(url(message, "messaging:recall"), follow=True)
    assert flashes(response) == ["Le message est rappelé : ses destinataires ne le voient plus."]
    assert Message.objects.get(pk=message.pk).recalled_at is not None
    assert login(cast.a.parent).get(url(message)).status_code == 404


def test_a_read_message_cannot_be_recalled(cast, login):
    message = send(cast.a.teacher, class_parents(cast.a.class_a))
    services.do_mark_read(delivery(message, cast.a.parent))
    client = login(cast.a.teacher)
    assert url(message, "messaging:recall") not in client.get(url(message)).content.decode()
    response = client.post(url(message, "messaging:recall"), follow=True)
    assert flashes(response) == ["Ce message a déjà été lu : il ne peut plus être rappelé."]
    assert Message.objects.get(pk=message.pk).recalled_at is None


def test_parents_cannot_recall_and_are_told_why(cast, login):
    message = send(cast.a.parent, cast.a.teacher)
    client = login(cast.a.parent)
    assert url(message, "messaging:recall") not in client.get(url(message)).content.decode()
    response = client.post(url(message, "messaging:recall"), follow=True)
    assert flashes(response) == ["Vous ne pouvez pas rappeler ce message."]
    assert Message.objects.get(pk=message.pk).recalled_at is None


def test_a_recipient_cannot_recall_what_they_received(cast, login):
    message = send(cast.a.teacher, cast.a.other_teacher)
    response = login(cast.a.other_teacher).post(url(message, "messaging:recall"), follow=True)
    assert flashes(response) == ["Vous ne pouvez pas rappeler ce message."]
    assert Message.objects.get(pk=message.pk).recalled_at is None


def test_the_print_page_shows_the_message_without_marking_it_read(cast, login):
    message = send(
        cast.a.teacher,
        cast.a.parent,
        subject="Autorisation",
        body="Signez <s>ici</s>.",
    )
    response = login(cast.a.parent).get(url(message, "messaging:print-message"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Autorisation</h1>" in body
    assert "<p>Signez &lt;s&gt;ici&lt;/s&gt;.</p>" in body
    assert '<link rel="stylesheet" href="/static/messaging/print.css">' in body
    assert "<script" not in body
    assert delivery(message, cast.a.parent).read_at is None


def test_the_thread_queries_do_not_grow_with_its_length(cast, login):
    original = send(cast.a.teacher, class_parents(cast.a.class_a), subject="Sortie")

    def exchange(count):
        for number in range(count):
            reply(cast.a.parent, original, body=f"Question {number}")

    exchange(1)
    client = login(cast.a.teacher)
    with_two = count_queries(client, url(original))
    exchange(18)
    assert len(client.get(url(original)).context["entries"]) == 20
    assert count_queries(client, url(original)) == with_two
