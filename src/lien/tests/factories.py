"""Factories for test data (factory_boy), and the named cast most tests use."""

from dataclasses import dataclass
from datetime import date

import factory
from django.utils import timezone

from lien.accounts.models import User
from lien.core.models import (
    Collectivity,
    Enrolment,
    Establishment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    TutorLink,
)

PASSWORD = "Mot-de-passe-de-test-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    activated_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CollectivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collectivity

    name = factory.Sequence(lambda n: f"Région {n}")
    kind = Collectivity.Kind.REGION


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    collectivity = factory.SubFactory(CollectivityFactory)
    uai = factory.Sequence(lambda n: f"{n:07d}A")
    name = factory.Sequence(lambda n: f"Lycée {n}")
    kind = Establishment.Kind.HIGH
    city = "Orléans"


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear

    establishment = factory.SubFactory(EstablishmentFactory)
    name = "2026-2027"
    starts_on = date(2026, 9, 1)
    ends_on = date(2027, 7, 4)
    is_current = True


def make_profile(role, establishment=None, *, staff_function="", collectivity=None, **user_fields):
    user = UserFactory(**user_fields)
    return Profile.objects.create(
        user=user,
        role=role,
        staff_function=staff_function,
        establishment=establishment,
        collectivity=collectivity,
    )


@dataclass
class School:
    establishment: Establishment
    year: SchoolYear
    class_a: SchoolClass
    class_b: SchoolClass
    group: Group
    subject: Subject
    student: Profile  # in class_a, in the group
    sibling: Profile  # in class_b, same parent
    classmate: Profile  # in class_a, another family
    other_class_student: Profile  # in class_b, another family
    parent: Profile  # parent of student and sibling
    classmate_parent: Profile
    teacher: Profile  # teaches class_a, main teacher of class_a
    other_teacher: Profile  # teaches class_b only
    group_teacher: Profile  # teaches the group only
    direction: Profile
    school_life: Profile
    librarian: Profile
    ent_admin: Profile
    tutor: Profile  # follows student


def make_school(collectivity=None, prefix="a") -> School:
    establishment = EstablishmentFactory(**({"collectivity": collectivity} if collectivity else {}))
    year = SchoolYearFactory(establishment=establishment)
    class_a = SchoolClass.objects.create(
        establishment=establishment, school_year=year, name="2nde A"
    )
    class_b = SchoolClass.objects.create(
        establishment=establishment, school_year=year, name="2nde B"
    )
    group = Group.objects.create(establishment=establishment, school_year=year, name="LV2 Espagnol")
    subject = Subject.objects.create(establishment=establishment, name="Mathématiques")
    spanish = Subject.objects.create(establishment=establishment, name="Espagnol")

    def student(name, school_class):
        profile = make_profile(Profile.Role.STUDENT, establishment, username=f"{prefix}.{name}")
        Enrolment.objects.create(student=profile, school_class=school_class, school_year=year)
        return profile

    def staff(name, function):
        return make_profile(
            Profile.Role.STAFF, establishment, staff_function=function, username=f"{prefix}.{name}"
        )

    pupil = student("eleve", class_a)
    sibling = student("frere", class_b)
    classmate = student("camarade", class_a)
    other = student("autre", class_b)
    group.members.add(pupil)
    parent = make_profile(Profile.Role.PARENT, establishment, username=f"{prefix}.parent")
    ParentLink.objects.create(parent=parent, student=pupil)
    ParentLink.objects.create(parent=parent, student=sibling, is_legal_guardian=False)
    classmate_parent = make_profile(
        Profile.Role.PARENT, establishment, username=f"{prefix}.parent2"
    )
    ParentLink.objects.create(parent=classmate_parent, student=classmate)
    teacher = make_profile(Profile.Role.TEACHER, establishment, username=f"{prefix}.prof")
    TeachingAssignment.objects.create(teacher=teacher, subject=subject, school_class=class_a)
    class_a.main_teacher = teacher
    class_a.save()
    other_teacher = make_profile(Profile.Role.TEACHER, establishment, username=f"{prefix}.prof2")
    TeachingAssignment.objects.create(teacher=other_teacher, subject=subject, school_class=class_b)
    group_teacher = make_profile(Profile.Role.TEACHER, establishment, username=f"{prefix}.prof3")
    TeachingAssignment.objects.create(teacher=group_teacher, subject=spanish, group=group)
    tutor = make_profile(Profile.Role.TUTOR, establishment, username=f"{prefix}.tuteur")
    TutorLink.objects.create(tutor=tutor, student=pupil)
    F = Profile.StaffFunction
    return School(
        establishment,
        year,
        class_a,
        class_b,
        group,
        subject,
        student=pupil,
        sibling=sibling,
        classmate=classmate,
        other_class_student=other,
        parent=parent,
        classmate_parent=classmate_parent,
        teacher=teacher,
        other_teacher=other_teacher,
        group_teacher=group_teacher,
        direction=staff("direction", F.DIRECTION),
        school_life=staff("cpe", F.SCHOOL_LIFE),
        librarian=staff("doc", F.LIBRARIAN),
        ent_admin=staff("admin", F.ENT_ADMIN),
        tutor=tutor,
    )


@dataclass
class Cast:
    """School A and school B share collectivité R; school C belongs to another collectivité."""

    a: School
    b: School
    c: School
    operator: Profile  # operator of R
    other_operator: Profile  # operator of the other collectivité


def make_cast() -> Cast:
    region = CollectivityFactory(name="Région R")
    other = CollectivityFactory(name="Département D", kind=Collectivity.Kind.DEPARTMENT)
    return Cast(
        a=make_school(region, "a"),
        b=make_school(region, "b"),
        c=make_school(other, "c"),
        operator=make_profile(Profile.Role.OPERATOR, collectivity=region, username="op.r"),
        other_operator=make_profile(Profile.Role.OPERATOR, collectivity=other, username="op.d"),
    )
