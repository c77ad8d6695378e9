"""A collectivité operator suspends sending for a whole profile, then restores it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from lien.core import policy
from lien.messaging import safety
from lien.messaging.models import Message, SendingSuspension
from lien.messaging.tests.attachment_fixtures import send, to_user
from lien.tests.world import actor, resolve

URL = reverse("messaging:suspensions")
LIFT = reverse("messaging:lift-suspension")


def active_roles(collectivity):
    return sorted(safety.active_suspensions(collectivity).values_list("role", flat=True))


# Service ------------------------------------------------------------------------------------


def test_a_suspension_stops_the_profile_in_every_establishment_of_the_collectivity(cast):
    region = cast.operator.collectivity
    suspension = safety.check_suspend(cast.operator.user, region, "student", "  Harcèlement  ")
    assert (suspension.reason, suspension.created_by) == ("Harcèlement", cast.operator.user)
    for school in (cast.a, cast.b):
        with pytest.raises(PermissionDenied) as refused:
            send(school.student, to_user(school.teacher.user))
        assert str(refused.value) == (
            "L'envoi de messages est suspendu pour votre profil : Harcèlement"
        )
    # Another collectivité, and other profiles, still write.
    send(cast.c.student, to_user(cast.c.teacher.user))
    send(cast.a.teacher, to_user(cast.a.student.user))
    assert Message.objects.count() == 2


def test_lifting_restores_sending(cast):
    region = cast.operator.collectivity
    safety.check_suspend(cast.operator.user, region, "student", "Harcèlement")
    safety.check_lift(cast.operator.user, region, "student")
    send(cast.a.student, to_user(cast.a.teacher.user))
    assert active_roles(region) == []
    assert SendingSuspension.objects.get().lifted_at is not None


def test_a_profile_is_suspended_once_at_a_time(cast):
    region = cast.operator.collectivity
    safety.check_suspend(cast.operator.user, region, "parent", "Campagne de spam")
    with pytest.raises(ValidationError, match="L'envoi est déjà suspendu pour les parents."):
        safety.check_suspend(cast.operator.user, region, "parent", "Encore")
    assert SendingSuspension.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "reason", "error"),
    [
        (
            "student",
            "",
            "Donnez le motif de la suspension : il est affiché à ceux qui veulent écrire.",
        ),
        ("student", "x" * 301, "Le motif est trop long (300 caractères au plus)."),
        ("operator", "Motif", "Choisissez un profil dans la liste."),
        ("pupil", "Motif", "Choisissez un profil dans la liste."),
    ],
)
def test_bad_suspensions_are_refused(cast, role, reason, error):
    with pytest.raises(ValidationError) as refused:
        safety.check_suspend(cast.operator.user, cast.operator.collectivity, role, reason)
    assert refused.value.messages == [error]
    assert SendingSuspension.objects.count() == 0


@pytest.mark.parametrize("who", ["other_operator", "a.direction", "a.ent_admin", "a.teacher"])
def test_only_the_collectivitys_operators_suspend(cast, who):
    region = cast.operator.collectivity
    with pytest.raises(PermissionDenied):
        safety.check_suspend(resolve(cast, who).user, region, "student", "Motif")
    safety.check_suspend(cast.operator.user, region, "student", "Motif")
    with pytest.raises(PermissionDenied):
        safety.check_lift(resolve(cast, who).user, region, "student")
    assert active_roles(region) == ["student"]


# can_suspend_sending(user, collectivity)
SUSPEND_SENDING = [
    ("operator", "operator.collectivity", True),
    ("other_operator", "other_operator.collectivity", True),
    ("operator", "other_operator.collectivity", False),
    ("other_operator", "operator.collectivity", False),
    ("a.direction", "operator.collectivity", False),
    ("a.ent_admin", "operator.collectivity", False),
    ("a.teacher", "operator.collectivity", False),
    ("a.parent", "operator.collectivity", False),
    ("a.student", "operator.collectivity", False),
    ("anonymous", "operator.collectivity", False),
    ("no_profile", "operator.collectivity", False),
    ("inactive operator", "operator.collectivity", False),
]


@pytest.mark.parametrize(("who", "collectivity", "expected"), SUSPEND_SENDING)
def test_can_suspend_sending(world, who, collectivity, expected):
    assert policy.can_suspend_sending(actor(world, who), resolve(world, collectivity)) is expected


# Page ---------------------------------------------------------------------------------------


def test_the_operator_sees_the_page_with_the_profiles_to_choose(cast, login):
    response = login(cast.operator).get(URL)
    assert response.status_code == 200
    assert response.context["collectivity"] == cast.operator.collectivity
    assert list(response.context["form"].fields["role"].choices) == [
        ("student", "élèves"),
        ("parent", "parents"),
        ("tutor", "tuteurs externes"),
        ("teacher", "enseignants"),
        ("staff", "personnels"),
    ]
    assert "Aucune suspension en cours" in response.content.decode()


def test_the_operator_suspends_then_lifts(cast, login):
    client = login(cast.operator)
    response = client.post(URL, {"role": "parent", "reason": "Campagne de spam"}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    content = response.content.decode()
    assert escape("L'envoi de messages est suspendu pour les parents.") in content
    assert "Campagne de spam" in content
    assert active_roles(cast.operator.collectivity) == ["parent"]
    response = client.post(LIFT, {"role": "parent"}, follow=True)
    assert escape("L'envoi de messages est rétabli pour les parents.") in response.content.decode()
    assert active_roles(cast.operator.collectivity) == []
    assert "Suspensions levées" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            {"role": "student", "reason": " "},
            "reason",
            "Donnez le motif de la suspension : il est affiché à ceux qui veulent écrire.",
        ),
        ({"reason": "Motif"}, "role", "Choisissez un profil dans la liste."),
        ({"role": "operator", "reason": "Motif"}, "role", "Choisissez un profil dans la liste."),
    ],
)
def test_a_bad_form_is_shown_again_with_the_error(cast, login, data, field, error):
    response = login(cast.operator).post(URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [error]}
    assert response.context["form"]["reason"].value() == data["reason"]
    assert SendingSuspension.objects.count() == 0


def test_suspending_twice_says_so(cast, login):
    client = login(cast.operator)
    client.post(URL, {"role": "student", "reason": "Motif"})
    response = client.post(URL, {"role": "student", "reason": "Autre"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "L'envoi est déjà suspendu pour les élèves."
    ]


def test_lifting_a_profile_not_suspended_says_so(cast, login):
    response = login(cast.operator).post(LIFT, {"role": "teacher"}, follow=True)
    assert escape("L'envoi n'est pas suspendu pour ce profil.") in response.content.decode()


@pytest.mark.parametrize(
    "who", ["a.direction", "a.ent_admin", "a.teacher", "a.parent", "a.student", "a.tutor"]
)
def test_other_roles_are_refused(cast, login, who):
    client = login(resolve(cast, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"role": "student", "reason": "Motif"}).status_code == 403
    assert SendingSuspension.objects.count() == 0


def test_another_collectivitys_operator_cannot_lift(cast, login):
    safety.check_suspend(cast.operator.user, cast.operator.collectivity, "student", "Motif")
    client = login(cast.other_operator)
    response = client.post(LIFT, {"role": "student"}, follow=True)
    assert escape("L'envoi n'est pas suspendu pour ce profil.") in response.content.decode()
    assert active_roles(cast.operator.collectivity) == ["student"]
    # Their page lists only their own collectivité.
    assert client.get(URL).context["active"] == []


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
