"""Every refused send: a clear French message, what was typed kept (on the page and as a
draft), nothing sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lien.core.models import Profile
from lien.messaging.models import Address, Delivery, Message, SendingSuspension
from lien.messaging.tests.compose_support import COMPOSE, Kind, chosen_people, drafts_of, form, key

REFUSED = "Votre message n'est pas parti. Il est gardé dans vos brouillons"


def refused(response, error):
    body = response.content.decode()
    assert response.status_code == 200
    assert error in body, body
    assert REFUSED in body
    assert Delivery.objects.count() == 0
    assert not Message.objects.filter(sent_at__isnull=False).exists()
    return body


def test_no_recipient(cast, login):
    response = login(cast.a.teacher).post(COMPOSE, form(subject="Réunion", body="Mardi 18 h"))
    body = refused(response, "Ajoutez au moins un destinataire.")
    assert 'value="Réunion"' in body
    draft = drafts_of(cast.a.teacher).get()
    assert (draft.subject, draft.body) == ("Réunion", "Mardi 18 h")
    assert f'name="draft" value="{draft.code}"' in body


def test_a_parent_addressing_another_family(cast, login):
    other = cast.a.classmate_parent.user
    response = login(cast.a.parent).post(COMPOSE, form(people=[str(other.code)]))
    body = refused(response, f"Vous ne pouvez pas écrire à {other.get_full_name()}.")
    draft = drafts_of(cast.a.parent).get()
    assert list(draft.addresses.values_list("user", flat=True)) == [other.pk]
    assert chosen_people(response) == [str(other.code)]
    assert 'value="Sortie au musée"' in body


def test_a_list_of_another_establishment(cast, login):
    foreign = key(Kind.CLASS_PARENTS, cast.b.class_a)
    response = login(cast.a.direction).post(COMPOSE, form(lists=[foreign]))
    refused(response, "Une liste choisie n&#x27;existe pas ou ne vous est pas ouverte")
    draft = drafts_of(cast.a.direction).get()
    assert draft.subject == "Sortie au musée"
    assert draft.addresses.count() == 0


def test_a_list_of_the_establishment_the_user_may_not_address(cast, login):
    other_class = key(Kind.CLASS_PARENTS, cast.a.class_b)
    own_class = key(Kind.CLASS_PARENTS, cast.a.class_a)
    response = login(cast.a.teacher).post(COMPOSE, form(lists=[own_class, other_class]))
    refused(response, "Une liste choisie n&#x27;existe pas ou ne vous est pas ouverte")
    draft = drafts_of(cast.a.teacher).get()
    assert list(draft.addresses.values_list("kind", "school_class")) == [
        (Kind.CLASS_PARENTS, cast.a.class_a.pk)
    ]


def test_a_person_of_another_establishment_is_not_found(cast, login):
    response = login(cast.a.teacher).post(COMPOSE, form(people=[str(cast.b.parent.user.code)]))
    body = refused(response, "Un destinataire est introuvable dans votre établissement")
    assert cast.b.parent.user.get_full_name() not in body
    assert drafts_of(cast.a.teacher).get().addresses.count() == 0


def test_a_too_long_subject(cast, login):
    subject = "Objet " + "x" * 200
    response = login(cast.a.teacher).post(
        COMPOSE, form(subject=subject, lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)])
    )
    body = refused(response, "L&#x27;objet est trop long (200 caractères au plus).")
    assert f'value="{subject}"' in body
    assert drafts_of(cast.a.teacher).get().subject == subject[:200]


def test_an_empty_body(cast, login):
    response = login(cast.a.teacher).post(
        COMPOSE, form(body="  \n ", lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)])
    )
    refused(response, "Le message est vide.")
    assert drafts_of(cast.a.teacher).get().addresses.count() == 1


def test_an_empty_subject(cast, login):
    response = login(cast.a.teacher).post(
        COMPOSE, form(subject="", lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)])
    )
    refused(response, "Donnez un objet à votre message.")
    assert drafts_of(cast.a.teacher).get().body == "Merci de signer l'autorisation."


def test_a_deactivated_recipient(cast, login):
    parent = cast.a.parent.user
    parent.is_active = False
    parent.save(update_fields=["is_active"])
    response = login(cast.a.teacher).post(COMPOSE, form(people=[str(parent.code)]))
    refused(response, "Ce destinataire n&#x27;a plus de compte actif : retirez-le de la liste.")
    assert chosen_people(response) == [str(parent.code)]


def test_a_scheduled_time_in_the_past(cast, login):
    earlier = timezone.localtime() - timedelta(hours=1)
    response = login(cast.a.teacher).post(
        COMPOSE,
        form(
            lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)],
            send_date=earlier.date().isoformat(),
            send_time=earlier.strftime("%H:%M"),
        ),
    )
    body = refused(response, "La date d&#x27;envoi programmé doit être dans le futur.")
    assert f'value="{earlier.date().isoformat()}"' in body
    assert drafts_of(cast.a.teacher).count() == 1


BOTH = "Indiquez la date et l&#x27;heure de l&#x27;envoi programmé."


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"send_date": "2030-01-15"}, BOTH),
        ({"send_time": "08:00"}, BOTH),
        ({"send_date": "15 janvier", "send_time": "08:00"}, "Saisissez une date valide."),
        ({"send_date": "2030-01-15", "send_time": "8 h"}, "Saisissez une heure valide."),
    ],
)
def test_an_incomplete_or_unreadable_schedule(cast, login, fields, error):
    response = login(cast.a.teacher).post(
        COMPOSE, form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)], **fields)
    )
    refused(response, error)
    assert drafts_of(cast.a.teacher).count() == 1


def test_a_parent_cannot_send_without_reply_even_with_a_crafted_post(cast, login):
    response = login(cast.a.parent).post(
        COMPOSE, form(people=[str(cast.a.teacher.user.code)], is_no_reply="on")
    )
    refused(response, "Seuls les personnels et enseignants envoient des messages sans réponse.")


def test_a_suspended_profile_sees_why(cast, login):
    SendingSuspension.objects.create(
        collectivity=cast.a.establishment.collectivity,
        role=Profile.Role.STUDENT,
        reason="messages menaçants reçus",
    )
    response = login(cast.a.student).post(COMPOSE, form(people=[str(cast.a.teacher.user.code)]))
    refused(
        response,
        "L&#x27;envoi de messages est suspendu pour votre profil : messages menaçants reçus",
    )


def test_a_list_whose_people_all_left(cast, login):
    for profile in (cast.a.parent, cast.a.classmate_parent):
        profile.user.is_active = False
        profile.user.save(update_fields=["is_active"])
    response = login(cast.a.teacher).post(
        COMPOSE, form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)])
    )
    refused(response, "Aucun destinataire actif dans ces listes.")
    assert drafts_of(cast.a.teacher).get().addresses.count() == 1


def test_a_refused_message_once_corrected_is_sent_from_its_draft(cast, login):
    client = login(cast.a.teacher)
    data = form(body="")
    client.post(COMPOSE, data)
    draft = drafts_of(cast.a.teacher).get()
    data.update(
        body="Le texte complet.",
        draft=str(draft.code),
        lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)],
    )
    response = client.post(COMPOSE, data)
    sent = Message.objects.get()
    assert response.status_code == 302
    assert sent.pk == draft.pk
    assert sent.body == "Le texte complet."
    assert sent.recipient_count == 2


def test_a_refused_message_is_kept_as_one_draft_however_many_tries(cast, login):
    client = login(cast.a.teacher)
    data = form(body="")
    client.post(COMPOSE, data)
    client.post(COMPOSE, data)  # the same compose session (idempotency key), no draft code
    assert drafts_of(cast.a.teacher).count() == 1
    assert Address.objects.count() == 0
