import uuid

import pytest
from django.urls import reverse

from lien.core.models import Profile
from lien.messaging import compose, services
from lien.messaging.models import Address, Delivery, Field, Message
from lien.messaging.tests.compose_support import (
    COMPOSE,
    Kind,
    checked_lists,
    chosen_people,
    drafts_of,
    form,
    key,
    send,
    to_user,
)


def edit_url(message):
    return reverse("messaging:edit-draft", args=[message.code])


def delete_url(message):
    return reverse("messaging:delete-draft", args=[message.code])


@pytest.fixture
def draft(cast):
    """A draft of the teacher's, to 2nde A's parents in Cci and to one parent."""
    return services.do_save_draft(
        cast.a.teacher.user,
        cast.a.establishment,
        services.Draft(
            subject="Conseil de classe",
            body="Le conseil aura lieu…",
            addresses=[
                Address(kind=Kind.CLASS_PARENTS, school_class=cast.a.class_a, field=Field.BCC),
                to_user(cast.a.parent),
            ],
            is_no_reply=True,
            idempotency_key=uuid.uuid4().hex,
        ),
    )


# --- Saving and reopening ------------------------------------------------------------------------


def test_save_draft_keeps_everything_and_reopens_it(cast, login):
    client = login(cast.a.teacher)
    response = client.post(
        COMPOSE,
        form(
            action="save",
            subject="Conseil",
            body="Texte",
            lists=[key(Kind.CLASS_STUDENTS, cast.a.class_a)],
            people=[cast.a.parent.user.code],
        ),
    )
    draft = drafts_of(cast.a.teacher).get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft)
    assert Delivery.objects.count() == 0
    page = client.get(edit_url(draft))
    assert "Brouillon enregistré." in page.content.decode()
    assert page.context["form"]["subject"].value() == "Conseil"
    assert checked_lists(page) == {key(Kind.CLASS_STUDENTS, cast.a.class_a)}
    assert chosen_people(page) == [str(cast.a.parent.user.code)]


def test_the_draft_page_restores_bcc_and_no_reply(cast, login, draft):
    page = login(cast.a.teacher).get(edit_url(draft))
    body = page.content.decode()
    assert page.status_code == 200
    assert page.context["form"]["lists_bcc"].value() is True
    assert page.context["form"]["is_no_reply"].value() is True
    assert checked_lists(page) == {key(Kind.CLASS_PARENTS, cast.a.class_a)}
    assert f'name="idempotency_key" value="{draft.idempotency_key}"' in body
    assert f'action="{delete_url(draft)}"' in body


def test_saving_an_empty_new_message_saves_nothing(cast, login):
    response = login(cast.a.teacher).post(COMPOSE, form(action="save", subject="", body=""))
    assert "Rien à enregistrer : le message est vide." in response.content.decode()
    assert Message.objects.count() == 0


def test_saving_again_updates_the_same_draft(cast, login, draft):
    client = login(cast.a.teacher)
    response = client.post(
        edit_url(draft), form(action="save", subject="Conseil du 3 décembre", body="Nouveau")
    )
    assert response["Location"] == edit_url(draft)
    draft.refresh_from_db()
    assert (draft.subject, draft.body) == ("Conseil du 3 décembre", "Nouveau")
    assert draft.addresses.count() == 0
    assert Message.objects.count() == 1


def test_sending_a_draft_sends_it_in_place(cast, login, draft):
    response = login(cast.a.teacher).post(
        edit_url(draft),
        form(
            subject="Conseil de classe",
            lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)],
            idempotency_key=draft.idempotency_key,
        ),
    )
    sent = Message.objects.get()
    assert response["Location"] == reverse("messaging:message", args=[draft.code])
    assert sent.pk == draft.pk
    assert sent.sent_at is not None
    assert sent.recipient_count == 2


def test_the_draft_of_a_message_already_sent_leads_to_the_message(cast, login, draft):
    client = login(cast.a.teacher)
    data = form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)])
    client.post(edit_url(draft), data)
    again = client.post(edit_url(draft), data)
    assert again["Location"] == reverse("messaging:message", args=[draft.code])
    assert client.get(edit_url(draft))["Location"] == again["Location"]
    assert Delivery.objects.count() == 2


# --- Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["a.parent", "a.other_teacher", "a.direction", "b.teacher"])
def test_someone_else_s_draft_is_404_and_left_alone(cast, login, draft, who):
    school, name = who.split(".")
    client = login(getattr(getattr(cast, school), name))
    assert client.get(edit_url(draft)).status_code == 404
    assert client.post(edit_url(draft), form(action="save", subject="Pris")).status_code == 404
    assert client.post(edit_url(draft), form(people=[cast.a.teacher.user.code])).status_code == 404
    assert client.post(delete_url(draft)).status_code == 404
    posted = client.post(COMPOSE, form(action="save", subject="Pris", draft=str(draft.code)))
    assert posted.status_code == 404
    draft.refresh_from_db()
    assert draft.subject == "Conseil de classe"
    assert draft.is_draft
    assert Message.objects.count() == 1


def test_drafts_require_login(client, draft):
    response = client.get(edit_url(draft))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Deleting ------------------------------------------------------------------------------------


def test_a_draft_is_deleted_by_its_author(cast, login, draft):
    response = login(cast.a.teacher).post(delete_url(draft))
    assert response["Location"] == reverse("messaging:drafts")
    assert not Message.objects.exists()
    assert not Address.objects.exists()


def test_deleting_needs_a_post(cast, login, draft):
    assert login(cast.a.teacher).get(delete_url(draft)).status_code == 405
    assert Message.objects.filter(pk=draft.pk).exists()


def test_a_sent_message_cannot_be_deleted_as_a_draft(cast, login):
    message = send(cast.a.teacher, [to_user(cast.a.parent)])
    assert login(cast.a.teacher).post(delete_url(message)).status_code == 404
    assert Message.objects.filter(pk=message.pk).exists()


# --- Autosave ------------------------------------------------------------------------------------


def test_autosave_creates_a_draft_then_updates_it_and_never_sends(cast, login):
    client = login(cast.a.teacher)
    data = form(
        action="autosave",
        subject="Réunion",
        body="Premier jet",
        lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)],
    )
    first = client.post(COMPOSE, data)
    draft = drafts_of(cast.a.teacher).get()
    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    assert first.json()["draft"] == str(draft.code)
    assert first.json()["message"].startswith("Brouillon enregistré à ")

    data.update(body="Second jet", draft=str(draft.code))
    second = client.post(COMPOSE, data)
    assert second.json()["draft"] == str(draft.code)
    draft.refresh_from_db()
    assert draft.body == "Second jet"
    assert draft.is_draft
    assert Message.objects.count() == 1
    assert Delivery.objects.count() == 0


def test_autosave_without_the_draft_code_finds_the_draft_by_its_compose_session(cast, login):
    # A beacon sent while leaving the page never gets its answer back.
    client = login(cast.a.teacher)
    data = form(action="autosave", subject="Réunion", body="Premier jet")
    client.post(COMPOSE, data)
    data.update(body="Second jet")
    client.post(COMPOSE, data)
    assert drafts_of(cast.a.teacher).get().body == "Second jet"


def test_autosave_of_an_empty_form_saves_nothing(cast, login):
    response = login(cast.a.teacher).post(COMPOSE, form(action="autosave", subject="", body=""))
    assert response.json() == {"draft": None, "message": ""}
    assert Message.objects.count() == 0


def test_autosave_keeps_even_what_could_not_be_sent(cast, login):
    response = login(cast.a.parent).post(
        COMPOSE,
        form(action="autosave", people=[cast.a.classmate_parent.user.code], is_no_reply="on"),
    )
    draft = drafts_of(cast.a.parent).get()
    assert response.json()["draft"] == str(draft.code)
    assert list(draft.addresses.values_list("user", flat=True)) == [cast.a.classmate_parent.user.pk]


def test_autosave_after_the_message_left_changes_nothing(cast, login):
    client = login(cast.a.teacher)
    data = form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)])
    client.post(COMPOSE, data)
    sent = Message.objects.get()
    data.update(action="autosave", body="Trop tard", draft=str(sent.code))
    response = client.post(COMPOSE, data)
    assert response.json() == {"draft": None, "message": "Ce message a déjà été envoyé."}
    sent.refresh_from_db()
    assert sent.body == "Merci de signer l'autorisation."


def test_autosave_on_a_reply_page_keeps_the_conversation(cast, login):
    message = send(cast.a.teacher, [to_user(cast.a.parent)])
    reply = reverse("messaging:reply", args=[message.code])
    response = login(cast.a.parent).post(reply, form(action="autosave", body="Merci"))
    draft = Message.objects.get(code=response.json()["draft"])
    assert draft.in_reply_to == message
    assert draft.conversation_id == message.conversation_id


def test_autosave_of_someone_else_s_draft_is_404(cast, login, draft):
    response = login(cast.a.parent).post(
        COMPOSE, form(action="autosave", body="Pris", draft=str(draft.code))
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.body == "Le conseil aura lieu…"


def test_autosave_requires_login(client, db):
    response = client.post(COMPOSE, form(action="autosave"))
    assert response.status_code == 302
    assert Message.objects.count() == 0


def test_saving_a_draft_with_an_unreadable_field_keeps_the_rest_and_says_what_is_wrong(cast, login):
    response = login(cast.a.teacher).post(
        COMPOSE, form(action="save", subject="Conseil", send_date="demain", send_time="08:00")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Brouillon enregistré." in body
    assert "Saisissez une date valide." in body
    draft = drafts_of(cast.a.teacher).get()
    assert draft.subject == "Conseil"
    assert f'name="draft" value="{draft.code}"' in body


def test_a_reply_draft_posted_to_another_page_is_404_and_left_alone(cast, login):
    message = send(cast.a.teacher, [to_user(cast.a.parent)])
    reply = services.do_save_draft(
        cast.a.parent.user,
        cast.a.establishment,
        services.Draft(subject="Re", body="Merci", addresses=[], in_reply_to=message),
    )
    client = login(cast.a.parent)
    forward = reverse("messaging:forward", args=[message.code])
    for page in (COMPOSE, forward):
        response = client.post(page, form(action="save", body="Autre", draft=str(reply.code)))
        assert response.status_code == 404
    reply.refresh_from_db()
    assert (reply.body, reply.in_reply_to) == ("Merci", message)


def test_a_draft_of_another_establishment_profile_is_404_on_this_one(cast, login):
    parent_in_b = Profile.objects.create(
        user=cast.a.teacher.user, role=Profile.Role.PARENT, establishment=cast.b.establishment
    )
    draft_in_b = services.do_save_draft(
        cast.a.teacher.user,
        cast.b.establishment,
        services.Draft(subject="Pour B", body="", addresses=[]),
    )
    client = login(cast.a.teacher)  # acting as the teacher of A
    response = client.post(COMPOSE, form(action="save", draft=str(draft_in_b.code)))
    assert response.status_code == 404
    client.post(reverse("home:switch-profile"), {"profile": str(parent_in_b.code)})
    response = client.post(
        COMPOSE, form(action="save", subject="Pour B, bis", draft=str(draft_in_b.code))
    )
    assert response.status_code == 302
    draft_in_b.refresh_from_db()
    assert draft_in_b.subject == "Pour B, bis"


def test_two_saves_of_a_new_draft_racing_end_in_one_draft(cast):
    # The other request (a beacon) created the draft between this one's lookup and its write.
    key_of_the_session = uuid.uuid4().hex
    other = services.do_save_draft(
        cast.a.teacher.user,
        cast.a.establishment,
        services.Draft(
            subject="Premier", body="", addresses=[], idempotency_key=key_of_the_session
        ),
    )
    saved = compose.save_draft(
        cast.a.teacher.user,
        cast.a.establishment,
        services.Draft(subject="Second", body="", addresses=[], idempotency_key=key_of_the_session),
    )
    assert saved.pk == other.pk
    assert list(Message.objects.values_list("subject", flat=True)) == ["Second"]
