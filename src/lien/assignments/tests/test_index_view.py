"""The list of online assignments, by active profile."""

from datetime import timedelta

import pytest
from django.urls import reverse

from lien.assignments.tests.fixtures import hand_in, move_deadline, pdf, set_assignment
from lien.tests.world import resolve

URL = reverse("assignments:index")


@pytest.fixture
def assignments(cast):
    due = set_assignment(cast.a.teacher, cast.a.class_a, title="Exposé sur Rome")
    past = set_assignment(cast.a.teacher, cast.a.class_a, title="Fiche de lecture")
    move_deadline(past, -timedelta(days=1))
    spanish = set_assignment(cast.a.group_teacher, cast.a.group, title="Redacción")
    class_b = set_assignment(cast.a.other_teacher, cast.a.class_b, title="Devoir de 2nde B")
    other_school = set_assignment(cast.b.teacher, cast.b.class_a, title="Devoir du lycée B")
    return due, past, spanish, class_b, other_school


def test_a_pupil_sees_their_class_and_group_assignments_next_first(cast, login, assignments):
    due, past, spanish, _b, _other = assignments
    hand_in(cast.a.student, due, uploads=[pdf()])
    response = login(cast.a.student).get(URL)
    assert response.status_code == 200
    items = response.context["items"]
    assert [item.assignment for item in items] == [due, spanish, past]
    assert [item.status.label for item in items] == ["Rendu", "À rendre", "Non rendu"]
    page = response.content.decode()
    assert "Devoir de 2nde B" not in page and "Devoir du lycée B" not in page


def test_a_parent_sees_their_chosen_childs_assignments_and_no_other_family(
    cast, login, assignments
):
    client = login(cast.a.parent)
    assert client.get(URL).status_code == 200
    response = client.get(URL, {"enfant": str(cast.a.sibling.code)})
    assert [i.assignment.title for i in response.context["items"]] == ["Devoir de 2nde B"]
    response = client.get(URL, {"enfant": str(cast.a.student.code)})
    assert response.context["child"] == cast.a.student
    assert "Seul l'élève rend son devoir" in response.content.decode()
    # Another family's child's code is not found: the parent's own child is shown instead.
    response = client.get(URL, {"enfant": str(cast.a.classmate.code)})
    assert response.context["child"] in (cast.a.student, cast.a.sibling)
    assert "Devoir du lycée B" not in response.content.decode()


def test_a_teacher_sees_the_assignments_they_set_with_counts(cast, login, assignments):
    due, past, *_ = assignments
    hand_in(cast.a.student, due, uploads=[pdf()])
    response = login(cast.a.teacher).get(URL)
    assert response.status_code == 200
    rows = list(response.context["page_obj"])
    assert rows == [due, past]
    assert (rows[0].submitted_count, rows[0].class_size, rows[0].awaiting_feedback_count) == (
        1,
        2,
        1,
    )
    assert "Donner un devoir" in response.content.decode()


def test_staff_see_their_establishments_assignments(cast, login, assignments):
    response = login(cast.a.school_life).get(URL)
    assert response.status_code == 200
    titles = {a.title for a in response.context["page_obj"]}
    assert titles == {"Exposé sur Rome", "Fiche de lecture", "Redacción", "Devoir de 2nde B"}


@pytest.mark.parametrize("who", ["operator", "a.tutor"])
def test_other_profiles_are_refused_with_a_reason(cast, login, who):
    response = login(resolve(cast, who)).get(URL)
    assert response.status_code == 403
    assert "Les devoirs en ligne concernent les élèves" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
