"""The database and model constraints of the school structure refuse inconsistent rows."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lien.core.models import (
    Enrolment,
    Establishment,
    Profile,
    SchoolClass,
    SchoolYear,
    TeachingAssignment,
)
from lien.tests.factories import CollectivityFactory, EstablishmentFactory, UserFactory

Role = Profile.Role
UAI_MESSAGE = "Le code UAI comporte 7 chiffres suivis d'une lettre majuscule (ex. 0751234A)."


@pytest.mark.parametrize("uai", ["0751234", "0751234a", "075123A4", "A0751234", "07512345A"])
def test_a_malformed_uai_is_refused_with_a_clear_message(db, uai):
    establishment = Establishment(
        collectivity=CollectivityFactory(), uai=uai, name="Lycée Test", kind="high"
    )
    with pytest.raises(ValidationError) as caught:
        establishment.full_clean()
    assert UAI_MESSAGE in caught.value.message_dict["uai"]


def test_a_well_formed_uai_is_accepted(db):
    establishment = Establishment(
        collectivity=CollectivityFactory(), uai="0751234A", name="Lycée Test", kind="high"
    )
    establishment.full_clean()


def test_two_establishments_cannot_share_a_uai(db):
    EstablishmentFactory(uai="0751234A")
    with pytest.raises(IntegrityError), transaction.atomic():
        EstablishmentFactory(uai="0751234A")
    assert Establishment.objects.filter(uai="0751234A").count() == 1


@pytest.mark.parametrize(
    ("fields", "explanation"),
    [
        ({"role": Role.OPERATOR}, "an operator without a collectivité"),
        ({"role": Role.OPERATOR, "with_establishment": True}, "an operator of an establishment"),
        (
            {"role": Role.OPERATOR, "with_collectivity": True, "with_establishment": True},
            "an operator of a collectivité and an establishment",
        ),
        ({"role": Role.TEACHER}, "a teacher without an establishment"),
        ({"role": Role.TEACHER, "with_collectivity": True}, "a teacher of a collectivité"),
        (
            {"role": Role.PARENT, "with_collectivity": True, "with_establishment": True},
            "a parent of a collectivité and an establishment",
        ),
    ],
)
def test_a_profile_scope_must_match_its_role(db, fields, explanation):
    establishment = EstablishmentFactory()
    user = UserFactory()
    profile = Profile(
        user=user,
        role=fields["role"],
        establishment=establishment if fields.get("with_establishment") else None,
        collectivity=establishment.collectivity if fields.get("with_collectivity") else None,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()
    assert not Profile.objects.filter(user=user).exists(), explanation


def test_an_operator_of_a_collectivity_and_a_teacher_of_an_establishment_are_accepted(db):
    establishment = EstablishmentFactory()
    user = UserFactory()
    Profile.objects.create(user=user, role=Role.OPERATOR, collectivity=establishment.collectivity)
    Profile.objects.create(user=user, role=Role.TEACHER, establishment=establishment)
    assert Profile.objects.filter(user=user).count() == 2


def test_staff_must_have_a_function(db):
    establishment = EstablishmentFactory()
    user = UserFactory()
    profile = Profile(user=user, role=Role.STAFF, establishment=establishment)
    with pytest.raises(ValidationError) as caught:
        profile.full_clean()
    assert caught.value.message_dict["staff_function"] == ["Précisez la fonction du personnel."]
    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()
    assert not Profile.objects.filter(user=user).exists()


def test_only_staff_have_a_function(db):
    establishment = EstablishmentFactory()
    user = UserFactory()
    profile = Profile(
        user=user,
        role=Role.TEACHER,
        establishment=establishment,
        staff_function=Profile.StaffFunction.DIRECTION,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()
    assert not Profile.objects.filter(user=user).exists()


def test_a_pupil_has_one_class_per_school_year(cast):
    a = cast.a
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(student=a.student, school_class=a.class_b, school_year=a.year)
    assert list(
        Enrolment.objects.filter(student=a.student).values_list("school_class", flat=True)
    ) == [a.class_a.pk]


def test_a_pupil_has_a_class_in_each_school_year(cast):
    a = cast.a
    last_year = SchoolYear.objects.create(
        establishment=a.establishment,
        name="2025-2026",
        starts_on=date(2025, 9, 1),
        ends_on=date(2026, 7, 4),
    )
    third = SchoolClass.objects.create(
        establishment=a.establishment, school_year=last_year, name="3e A"
    )
    Enrolment.objects.create(student=a.student, school_class=third, school_year=last_year)
    assert Enrolment.objects.filter(student=a.student).count() == 2


def test_an_establishment_has_one_current_school_year(cast):
    a = cast.a
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolYear.objects.create(
            establishment=a.establishment,
            name="2027-2028",
            starts_on=date(2027, 9, 1),
            ends_on=date(2028, 7, 4),
            is_current=True,
        )
    assert list(SchoolYear.objects.filter(establishment=a.establishment)) == [a.year]


@pytest.mark.parametrize("target", ["both", "neither"])
def test_a_teaching_targets_a_class_or_a_group_not_both(cast, target):
    a = cast.a
    teaching = TeachingAssignment(
        teacher=a.other_teacher,
        subject=a.subject,
        school_class=a.class_a if target == "both" else None,
        group=a.group if target == "both" else None,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        teaching.save()
    assert list(a.other_teacher.teachings.values_list("school_class", "group")) == [
        (a.class_b.pk, None)
    ]
