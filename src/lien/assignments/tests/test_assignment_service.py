"""Setting and editing an assignment."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lien.assignments import services
from lien.assignments.models import Assignment
from lien.assignments.tests.fixtures import (
    hand_in,
    move_deadline,
    pdf,
    set_assignment,
    teaching_of,
)


def data(teaching, **fields):
    values = {
        "title": "Commentaire de texte",
        "instructions": "Lire le texte 3.",
        "deadline": timezone.now() + timedelta(days=3),
    }
    values.update(fields)
    return services.AssignmentData(teaching=teaching, **values)


def test_a_teacher_sets_an_assignment_for_a_class_they_teach(cast):
    teaching = teaching_of(cast.a.teacher, cast.a.class_a)
    deadline = timezone.now() + timedelta(days=3)
    assignment = services.check_save_assignment(
        cast.a.teacher.user,
        data(teaching, title="  Commentaire  ", deadline=deadline, late_submissions_allowed=True),
    )
    assert (
        assignment.establishment,
        assignment.teacher,
        assignment.school_class,
        assignment.group,
        assignment.subject,
        assignment.title,
        assignment.deadline,
        assignment.accepts_files,
        assignment.accepts_text,
        assignment.late_submissions_allowed,
    ) == (
        cast.a.establishment,
        cast.a.teacher,
        cast.a.class_a,
        None,
        cast.a.subject,
        "Commentaire",
        deadline,
        True,
        False,
        True,
    )


def test_a_group_teacher_sets_one_for_their_group(cast):
    assignment = set_assignment(cast.a.group_teacher, cast.a.group)
    assert (assignment.school_class, assignment.group) == (None, cast.a.group)
    assert assignment.subject.name == "Espagnol"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"deadline": timezone.now() - timedelta(minutes=1)},
            "deadline_date",
            "Cette date limite est déjà passée : choisissez une date et une heure à venir.",
        ),
        ({"title": "   "}, "title", "Donnez un titre au devoir."),
        (
            {"accepts_files": False, "accepts_text": False},
            "accepts_files",
            "Choisissez ce que les élèves rendent : des fichiers, une réponse écrite, ou les deux.",
        ),
        (
            {"instructions": "x" * 20_001},
            "instructions",
            "Les consignes sont trop longues (20000 caractères au plus).",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(cast, fields, field, message):
    teaching = teaching_of(cast.a.teacher, cast.a.class_a)
    with pytest.raises(ValidationError) as refused:
        services.check_save_assignment(cast.a.teacher.user, data(teaching, **fields))
    assert refused.value.message_dict == {field: [message]}
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    ("who", "teaching_of_whom"),
    [
        ("a.other_teacher", "a.teacher"),  # another teacher's class
        ("a.student", "a.teacher"),
        ("a.direction", "a.teacher"),
        ("b.teacher", "a.teacher"),  # another school
    ],
)
def test_only_the_teacher_of_the_class_sets_an_assignment_for_it(cast, who, teaching_of_whom):
    actor = cast
    for part in who.split("."):
        actor = getattr(actor, part)
    owner = cast.a.teacher
    with pytest.raises(PermissionDenied):
        services.check_save_assignment(actor.user, data(teaching_of(owner)))
    assert not Assignment.objects.exists()


def test_only_its_teacher_edits_it(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a)
    teaching = teaching_of(cast.a.other_teacher)
    with pytest.raises(PermissionDenied):
        services.check_save_assignment(
            cast.a.other_teacher.user, data(teaching, title="Autre"), assignment
        )
    assignment.refresh_from_db()
    assert assignment.title == "Exercices 12 à 15 page 84"


def test_a_past_deadline_may_stay_when_fixing_the_title_but_not_be_set_again(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a)
    move_deadline(assignment, -timedelta(days=1))
    teaching = teaching_of(cast.a.teacher, cast.a.class_a)
    services.check_save_assignment(
        cast.a.teacher.user,
        data(teaching, title="Titre corrigé", deadline=assignment.deadline),
        assignment,
    )
    assignment.refresh_from_db()
    assert assignment.title == "Titre corrigé"
    with pytest.raises(ValidationError):
        services.check_save_assignment(
            cast.a.teacher.user,
            data(teaching, deadline=assignment.deadline - timedelta(hours=1)),
            assignment,
        )


def test_moving_the_deadline_redates_which_hand_ins_are_late(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a, late_submissions_allowed=True)
    move_deadline(assignment, -timedelta(hours=1))
    late = hand_in(cast.a.student, assignment, uploads=[pdf()])
    assert late.is_late
    teaching = teaching_of(cast.a.teacher, cast.a.class_a)
    services.check_save_assignment(
        cast.a.teacher.user,
        data(teaching, deadline=timezone.now() + timedelta(days=1), late_submissions_allowed=True),
        assignment,
    )
    late.refresh_from_db()
    assert late.is_late is False


def test_the_class_cannot_change_once_pupils_handed_in(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a)
    hand_in(cast.a.student, assignment, uploads=[pdf()])
    cast.a.class_b.teachings.create(teacher=cast.a.teacher, subject=cast.a.subject)
    other = teaching_of(cast.a.teacher, cast.a.class_b)
    with pytest.raises(ValidationError) as refused:
        services.check_save_assignment(cast.a.teacher.user, data(other), assignment)
    assert "ne peut plus changer de classe" in refused.value.message_dict["teaching"][0]
    assignment.refresh_from_db()
    assert assignment.school_class == cast.a.class_a
