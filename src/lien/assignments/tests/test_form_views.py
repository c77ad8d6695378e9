"""Setting (/devoirs/nouveau/) and editing (/devoirs/<code>/modifier/) an assignment."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lien.assignments.models import Assignment
from lien.assignments.tests.fixtures import set_assignment, teaching_of
from lien.tests.world import resolve

CREATE = reverse("assignments:create")


def form_data(teaching, **fields):
    deadline = timezone.localtime(timezone.now() + timedelta(days=5))
    data = {
        "teaching": str(teaching.pk),
        "title": "Problème de géométrie",
        "instructions": "Exercice 4.",
        "deadline_date": deadline.strftime("%Y-%m-%d"),
        "deadline_time": "18:00",
        "accepts_files": "on",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_a_teacher_is_offered_their_own_classes_and_groups_only(cast, login):
    response = login(cast.a.teacher).get(CREATE)
    assert response.status_code == 200
    assert response.context["form"].fields["teaching"].choices == [
        (teaching_of(cast.a.teacher).pk, "2nde A – Mathématiques")
    ]


def test_a_teacher_sets_an_assignment(cast, login):
    response = login(cast.a.teacher).post(CREATE, form_data(teaching_of(cast.a.teacher)))
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assignments:tracking", args=[assignment.code])
    deadline = timezone.localtime(assignment.deadline)
    assert (deadline.hour, deadline.minute, str(deadline.tzinfo)) == (18, 0, "Europe/Paris")
    assert (assignment.title, assignment.school_class, assignment.teacher) == (
        "Problème de géométrie",
        cast.a.class_a,
        cast.a.teacher,
    )


def test_a_past_deadline_is_refused_and_the_typed_text_stays(cast, login):
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    response = login(cast.a.teacher).post(
        CREATE, form_data(teaching_of(cast.a.teacher), deadline_date=yesterday)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "deadline_date": [
            "Cette date limite est déjà passée : choisissez une date et une heure à venir."
        ]
    }
    assert "Problème de géométrie" in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_missing_or_malformed_date_is_refused(cast, login):
    response = login(cast.a.teacher).post(
        CREATE, form_data(teaching_of(cast.a.teacher), deadline_date="15/13/2027")
    )
    assert response.context["form"].errors["deadline_date"] == [
        "Indiquez une date valide, par exemple 2027-01-15."
    ]
    assert not Assignment.objects.exists()


def test_a_forged_class_of_another_teacher_is_refused(cast, login):
    response = login(cast.a.teacher).post(CREATE, form_data(teaching_of(cast.a.other_teacher)))
    assert response.status_code == 200
    assert response.context["form"].errors["teaching"] == [
        "Choisissez une de vos classes ou un de vos groupes."
    ]
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("who", ["a.student", "a.parent", "a.direction", "operator"])
def test_people_who_teach_nothing_are_refused(cast, login, who):
    client = login(resolve(cast, who))
    response = client.get(CREATE)
    assert response.status_code == 403
    assert "Seuls les enseignants donnent des devoirs en ligne" in response.content.decode()
    assert client.post(CREATE, form_data(teaching_of(cast.a.teacher))).status_code == 403
    assert not Assignment.objects.exists()


def edit_url(assignment):
    return reverse("assignments:edit", args=[assignment.code])


def test_the_teacher_edits_their_assignment(cast, login):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a)
    client = login(cast.a.teacher)
    page = client.get(edit_url(assignment))
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "Exercices 12 à 15 page 84"
    response = client.post(
        edit_url(assignment),
        form_data(teaching_of(cast.a.teacher), title="Exercices 12 à 16", accepts_text="on"),
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.title, assignment.accepts_text) == ("Exercices 12 à 16", True)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.other_teacher", 403),
        ("a.direction", 403),
        ("a.student", 403),
        ("a.parent", 403),
        ("b.teacher", 404),
        ("c.direction", 404),
    ],
)
def test_nobody_else_edits_it(cast, login, who, status):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a)
    client = login(resolve(cast, who))
    assert client.get(edit_url(assignment)).status_code == status
    response = client.post(
        edit_url(assignment), form_data(teaching_of(cast.a.teacher), title="Piraté")
    )
    assert response.status_code == status
    assignment.refresh_from_db()
    assert assignment.title == "Exercices 12 à 15 page 84"
