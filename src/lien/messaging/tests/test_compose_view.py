from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lien.core.models import Profile
from lien.messaging import compose, services
from lien.messaging.models import Delivery, Field, Message, Signature
from lien.messaging.tests.compose_support import (
    COMPOSE,
    Kind,
    chosen_people,
    form,
    key,
    offered_lists,
)
from lien.tests.factories import UserFactory, make_profile

PARIS = ZoneInfo("Europe/Paris")


def name(profile, first, last):
    profile.user.first_name, profile.user.last_name = first, last
    profile.user.save(update_fields=["first_name", "last_name"])
    return profile


def test_it_requires_login(client):
    response = client.get(COMPOSE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_teacher_sends_one_message_to_a_class_s_parents_in_a_few_clicks(cast, login):
    client = login(cast.a.teacher)
    page = client.get(COMPOSE)
    parents = key(Kind.CLASS_PARENTS, cast.a.class_a)
    assert offered_lists(page)[parents] == "Parents de 2nde A"
    idempotency_key = page.context["idempotency_key"]

    response = client.post(
        COMPOSE,
        form(lists=[parents], idempotency_key=idempotency_key, subject="Sortie au musée"),
    )

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:message", args=[message.code])
    assert message.subject == "Sortie au musée"
    assert message.body == "Merci de signer l'autorisation."
    assert message.sent_at is not None
    assert message.idempotency_key == idempotency_key
    assert list(message.addresses.values_list("kind", "school_class", "field")) == [
        (Kind.CLASS_PARENTS, cast.a.class_a.pk, Field.TO)
    ]
    assert set(message.deliveries.values_list("recipient", flat=True)) == {
        cast.a.parent.user.pk,
        cast.a.classmate_parent.user.pk,
    }
    assert services.unread_count(cast.a.parent.user) == 1
    assert "Message envoyé." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (
            "teacher",
            {
                "Élèves de 2nde A",
                "Parents de 2nde A",
                "Enseignants de 2nde A",
                "Enseignants de 2nde B",
                "Personnels de l'établissement",
            },
        ),
        (
            "group_teacher",
            {
                "Élèves de 2nde A",
                "Parents de 2nde A",
                "Enseignants de 2nde A",
                "Élèves du groupe LV2 Espagnol",
                "Parents du groupe LV2 Espagnol",
                "Enseignants de 2nde B",
                "Personnels de l'établissement",
            },
        ),
        (
            "direction",
            {
                "Élèves de 2nde A",
                "Parents de 2nde A",
                "Enseignants de 2nde A",
                "Élèves de 2nde B",
                "Parents de 2nde B",
                "Enseignants de 2nde B",
                "Élèves du groupe LV2 Espagnol",
                "Parents du groupe LV2 Espagnol",
                "Personnels de l'établissement",
            },
        ),
        ("student", {"Enseignants de ma classe (2nde A)", "Personnels de l'établissement"}),
        ("tutor", {"Personnels de l'établissement"}),
    ],
)
def test_each_role_is_offered_the_lists_it_may_write_to(cast, login, who, expected):
    page = login(getattr(cast.a, who)).get(COMPOSE)
    assert page.status_code == 200
    assert set(offered_lists(page).values()) == expected


def test_a_parent_is_offered_the_teachers_of_each_child_s_class_and_the_staff(cast, login):
    name(cast.a.student, "Léa", "Martin")
    name(cast.a.sibling, "Tom", "Martin")
    page = login(cast.a.parent).get(COMPOSE)
    assert offered_lists(page) == {
        key(Kind.CLASS_TEACHERS, cast.a.class_a): "Enseignants de la classe de Léa (2nde A)",
        key(Kind.CLASS_TEACHERS, cast.a.class_b): "Enseignants de la classe de Tom (2nde B)",
        "staff": "Personnels de l'établissement",
    }


def test_lists_are_grouped_in_fieldsets(cast, login):
    body = login(cast.a.teacher).get(COMPOSE).content.decode()
    assert "<legend>2nde A</legend>" in body
    assert "<legend>Équipes pédagogiques</legend>" in body
    assert "<legend>Établissement</legend>" in body


def test_an_operator_first_chooses_one_of_their_collectivity_s_establishments(cast, login):
    response = login(cast.operator).get(COMPOSE)
    body = response.content.decode()
    assert response.status_code == 200
    expected = sorted([cast.a.establishment, cast.b.establishment], key=lambda e: e.name)
    assert response.context["establishments"] == expected
    assert f'value="{cast.c.establishment.code}"' not in body
    other = login(cast.operator).get(COMPOSE, {"etablissement": str(cast.c.establishment.code)})
    assert other.status_code == 404


def test_an_operator_writes_to_the_staff_of_the_chosen_establishment(cast, login):
    name(cast.a.direction, "Hélène", "Proviseure")
    name(cast.a.teacher, "Paul", "Proviseur")
    client = login(cast.operator)
    chosen = {"etablissement": str(cast.a.establishment.code)}
    page = client.get(COMPOSE, {**chosen, "q": "provis"})
    assert offered_lists(page) == {}
    assert [p.pk for p in page.context["search"].people] == [cast.a.direction.user.pk]
    action = f"{COMPOSE}?etablissement={cast.a.establishment.code}"
    assert f'action="{action}"' in page.content.decode()
    response = client.post(action, form(people=[str(cast.a.direction.user.code)]))
    message = Message.objects.get()
    assert response.status_code == 302
    assert message.establishment == cast.a.establishment
    assert list(message.deliveries.values_list("recipient", flat=True)) == [
        cast.a.direction.user.pk
    ]


def test_an_account_without_profile_cannot_write(db, login):
    response = login(UserFactory()).get(COMPOSE)
    assert response.status_code == 403
    assert "aucun profil" in response.content.decode()


def test_the_lists_follow_the_active_profile_s_establishment(cast, login):
    Profile.objects.create(
        user=cast.a.teacher.user, role=Profile.Role.PARENT, establishment=cast.b.establishment
    )
    client = login(cast.a.teacher)
    assert key(Kind.CLASS_PARENTS, cast.a.class_a) in offered_lists(client.get(COMPOSE))
    parent_profile = Profile.objects.get(user=cast.a.teacher.user, role=Profile.Role.PARENT)
    client.post(reverse("home:switch-profile"), {"profile": str(parent_profile.code)})
    assert offered_lists(client.get(COMPOSE)) == {"staff": "Personnels de l'établissement"}


def test_searching_people_finds_only_those_the_user_may_write_to(cast, login):
    # Names no random (Faker) name of the rest of the cast can contain.
    name(cast.a.teacher, "Claire", "Zorglubet")
    name(cast.a.classmate_parent, "Jean", "Zorglubel")
    name(cast.b.teacher, "Paul", "Zorglubier")
    response = login(cast.a.parent).get(COMPOSE, {"q": "zorglub"})
    body = response.content.decode()
    assert [person.pk for person in response.context["search"].people] == [cast.a.teacher.user.pk]
    assert "1 personne trouvée" in body
    assert f'name="add" value="{cast.a.teacher.user.code}"' in body
    assert "Jean Zorglubel" not in body
    assert "Paul Zorglubier" not in body


def test_search_results_say_who_people_are(cast, login):
    name(cast.a.parent, "Anne", "Martin")
    name(cast.a.student, "Léa", "Martin")
    name(cast.a.sibling, "Tom", "Martin")
    body = login(cast.a.teacher).get(COMPOSE, {"q": "martin"}).content.decode()
    assert 'Léa Martin <span class="muted">(Élève de 2nde A)</span>' in body
    assert 'Anne Martin <span class="muted">(Parent de Léa Martin et Tom Martin)</span>' in body
    assert "Tom Martin" in body  # in the parent's description only: the teacher has not 2nde B
    assert f'value="{cast.a.sibling.user.code}"' not in body


def test_search_every_word_must_match_and_one_letter_is_too_short(cast, login):
    name(cast.a.teacher, "Claire", "Dupont")
    name(cast.a.direction, "Marc", "Dupont")
    client = login(cast.a.parent)
    search = client.get(COMPOSE, {"q": "claire dupont"}).context["search"]
    assert [person.pk for person in search.people] == [cast.a.teacher.user.pk]
    response = client.get(COMPOSE, {"q": "d"})
    assert response.context["search"].too_short
    assert "Tapez au moins deux lettres." in response.content.decode()


def test_search_shows_at_most_twenty_people(cast, login):
    for number in range(25):
        make_profile(
            Profile.Role.STAFF,
            cast.a.establishment,
            staff_function="school_life",
            first_name=f"Surveillant{number:02d}",
            last_name="Lefèvre",
        )
    response = login(cast.a.parent).get(COMPOSE, {"q": "lefèvre"})
    assert len(response.context["search"].people) == compose.SEARCH_LIMIT
    assert "précisez votre recherche" in response.content.decode()


def test_searching_without_javascript_keeps_what_was_typed_and_sends_nothing(cast, login):
    name(cast.a.teacher, "Claire", "Dupont")
    response = login(cast.a.parent).post(
        COMPOSE, form(action="search", q="dupont", subject="Absence de Léa", body="Bonjour,")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="Absence de Léa"' in body
    assert ">\nBonjour,</textarea>" in body
    assert f'name="add" value="{cast.a.teacher.user.code}"' in body
    assert Message.objects.count() == 0


def test_a_person_is_added_then_removed_with_buttons(cast, login):
    client = login(cast.a.parent)
    teacher_code = str(cast.a.teacher.user.code)
    added = client.post(COMPOSE, form(action=None, add=teacher_code, subject="Question"))
    assert chosen_people(added) == [teacher_code]
    assert 'value="Question"' in added.content.decode()
    removed = client.post(
        COMPOSE, form(action=None, people=[teacher_code], remove=teacher_code, subject="Question")
    )
    assert chosen_people(removed) == []
    assert Message.objects.count() == 0


def test_a_chosen_person_receives_the_message(cast, login):
    response = login(cast.a.parent).post(
        COMPOSE, form(people=[str(cast.a.teacher.user.code)], subject="Absence")
    )
    message = Message.objects.get()
    assert response.status_code == 302
    assert list(message.deliveries.values_list("recipient", flat=True)) == [cast.a.teacher.user.pk]


def test_a_write_to_link_prefills_a_person_the_user_may_write_to(cast, login):
    client = login(cast.a.teacher)
    page = client.get(COMPOSE, {"destinataire": str(cast.a.parent.user.code)})
    assert chosen_people(page) == [str(cast.a.parent.user.code)]
    for stranger in (cast.a.other_class_student, cast.b.parent):
        page = client.get(COMPOSE, {"destinataire": str(stranger.user.code)})
        assert chosen_people(page) == []
    assert chosen_people(client.get(COMPOSE, {"destinataire": "pas-un-code"})) == []


def test_lists_in_bcc(cast, login):
    login(cast.a.teacher).post(
        COMPOSE, form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)], lists_bcc="on")
    )
    message = Message.objects.get()
    assert list(message.addresses.values_list("field", flat=True)) == [Field.BCC]
    assert set(message.deliveries.values_list("field", flat=True)) == {Field.BCC}


def test_the_no_reply_option_is_offered_to_teachers_and_staff_only(cast, login):
    assert 'name="is_no_reply"' in login(cast.a.teacher).get(COMPOSE).content.decode()
    assert 'name="is_no_reply"' in login(cast.a.school_life).get(COMPOSE).content.decode()
    assert 'name="is_no_reply"' not in login(cast.a.parent).get(COMPOSE).content.decode()
    assert 'name="is_no_reply"' not in login(cast.a.student).get(COMPOSE).content.decode()


def test_a_teacher_sends_without_reply(cast, login):
    login(cast.a.teacher).post(
        COMPOSE, form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)], is_no_reply="on")
    )
    message = Message.objects.get()
    assert message.is_no_reply
    assert not services.may_reply(cast.a.parent.user, message)


def test_a_scheduled_message_leaves_at_the_paris_time_typed(cast, login):
    day = (timezone.localtime() + timedelta(days=2)).date()
    client = login(cast.a.teacher)
    response = client.post(
        COMPOSE,
        form(
            lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)],
            send_date=day.isoformat(),
            send_time="07:30",
        ),
    )
    message = Message.objects.get()
    assert message.sent_at == datetime(day.year, day.month, day.day, 7, 30, tzinfo=PARIS)
    assert services.unread_count(cast.a.parent.user) == 0
    page = client.get(response["Location"]).content.decode()
    assert f"Votre message partira le {day:%d/%m/%Y} à 07:30." in page


def test_the_signature_is_previewed_and_added_when_sending(cast, login):
    Signature.objects.create(user=cast.a.teacher.user, text="Mme Dupont\nProfesseure de maths")
    client = login(cast.a.teacher)
    page = client.get(COMPOSE).content.decode()
    assert "Mme Dupont\nProfesseure de maths</pre>" in page
    assert 'name="with_signature" id="id_with_signature" checked' in page
    client.post(COMPOSE, form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)], body="Bonjour."))
    assert Message.objects.get().body == "Bonjour.\n\n-- \nMme Dupont\nProfesseure de maths"


def test_the_signature_can_be_left_out_of_one_message(cast, login):
    Signature.objects.create(user=cast.a.teacher.user, text="Mme Dupont")
    login(cast.a.teacher).post(
        COMPOSE,
        form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)], body="Bonjour.", with_signature=None),
    )
    assert Message.objects.get().body == "Bonjour."


def test_a_double_submit_sends_one_message_and_both_land_on_it(cast, login):
    client = login(cast.a.teacher)
    data = form(lists=[key(Kind.CLASS_PARENTS, cast.a.class_a)])
    first = client.post(COMPOSE, data)
    second = client.post(COMPOSE, data)
    message = Message.objects.get()
    page = reverse("messaging:message", args=[message.code])
    assert first["Location"] == second["Location"] == page
    assert Delivery.objects.count() == 2
    assert "Ce message a déjà été envoyé." in client.get(second["Location"]).content.decode()


def test_the_page_loads_the_autosave_script_and_carries_a_fresh_key(cast, login):
    client = login(cast.a.teacher)
    first, second = client.get(COMPOSE), client.get(COMPOSE)
    body = first.content.decode()
    assert '<script src="/static/lien/messaging-autosave.js" defer></script>' in body
    assert "data-autosave" in body
    assert first.context["idempotency_key"] != second.context["idempotency_key"]
    assert f'name="idempotency_key" value="{first.context["idempotency_key"]}"' in body


def test_a_get_never_writes(cast, login):
    login(cast.a.teacher).get(COMPOSE, {"q": "du"})
    assert Message.objects.count() == 0


def test_other_methods_are_refused(cast, login):
    assert login(cast.a.teacher).put(COMPOSE).status_code == 405


def test_the_page_s_query_count_does_not_grow_with_the_people_chosen(cast, login):
    staff = [
        make_profile(Profile.Role.STAFF, cast.a.establishment, staff_function="school_life")
        for _ in range(10)
    ]
    client = login(cast.a.direction)

    def queries(people):
        data = form(action="search", people=[str(p.user.code) for p in people])
        with CaptureQueriesContext(connection) as captured:
            assert client.post(COMPOSE, data).status_code == 200
        return len(captured)

    queries([])  # the first request of a session does a few more (session, profile)
    assert queries(staff[:2]) == queries(staff)


def test_only_an_operator_s_page_names_the_establishment_written_to(cast, login):
    assert "Aux personnels de" not in login(cast.a.parent).get(COMPOSE).content.decode()
    page = login(cast.operator).get(COMPOSE, {"etablissement": str(cast.a.establishment.code)})
    assert f"Aux personnels de : {cast.a.establishment.name}." in page.content.decode()
