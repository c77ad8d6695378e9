import pytest
from django.urls import reverse

from lien.core import fragments
from lien.core.models import Profile
from lien.tests.factories import UserFactory
from lien.tests.world import resolve

URL = reverse("home:index")


@pytest.fixture
def home(login):
    def get(who, **params):
        return login(who).get(URL, params)

    return get


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_student_sees_class_main_teacher_group_and_teachers(cast, home):
    response = home(cast.a.student)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Classe de 2nde A" in body
    assert cast.a.teacher.user.get_full_name() in body
    assert "LV2 Espagnol" in body
    assert cast.a.group_teacher.user.get_full_name() in body
    assert cast.a.other_teacher.user.get_full_name() not in body


def test_parent_sees_children_and_switches_between_them(cast, home):
    body = home(cast.a.parent, enfant=str(cast.a.student.code)).content.decode()
    assert cast.a.student.user.get_full_name() in body
    assert cast.a.sibling.user.get_full_name() in body
    assert "Classe de 2nde A" in body
    body = home(cast.a.parent, enfant=str(cast.a.sibling.code)).content.decode()
    assert "Classe de 2nde B" in body


def test_parent_cannot_open_another_familys_child(cast, home):
    body = home(cast.a.parent, enfant=str(cast.a.classmate.code)).content.decode()
    assert cast.a.classmate.user.get_full_name() not in body
    assert "Classe de 2nde" in body  # falls back to their own first child


def test_teacher_sees_own_classes_and_groups_only(cast, home):
    body = home(cast.a.teacher).content.decode()
    assert "2nde A" in body
    assert "professeur principal" in body
    assert "2nde B" not in body
    body = home(cast.a.group_teacher).content.decode()
    assert "LV2 Espagnol" in body
    assert "2nde A" not in body


def test_staff_sees_their_establishment_classes(cast, home):
    body = home(cast.a.direction).content.decode()
    assert cast.a.establishment.name in body
    assert cast.b.establishment.name not in body
    assert "2nde A" in body and "2nde B" in body


def test_operator_sees_the_collectivitys_establishments_only(cast, home):
    body = home(cast.operator).content.decode()
    assert cast.a.establishment.name in body
    assert cast.b.establishment.name in body
    assert cast.c.establishment.name not in body


def test_tutor_sees_only_followed_students(cast, home):
    body = home(cast.a.tutor).content.decode()
    assert cast.a.student.user.get_full_name() in body
    assert cast.a.classmate.user.get_full_name() not in body


def test_user_without_profile_gets_a_clear_message(db, home):
    response = home(UserFactory())
    assert response.status_code == 200
    assert "rattaché à aucun établissement" in response.content.decode()


def test_person_with_two_profiles_switches_profile(cast, login):
    teacher = cast.a.teacher
    parent_profile = Profile.objects.create(
        user=teacher.user, role=Profile.Role.PARENT, establishment=cast.b.establishment
    )
    client = login(teacher)
    assert "Mes classes et groupes" in client.get(URL).content.decode()
    client.post(reverse("home:switch-profile"), {"profile": str(parent_profile.code)})
    assert "Aucun enfant n'est encore rattaché" in client.get(URL).content.decode()


def test_switching_to_someone_elses_profile_is_refused(cast, login):
    client = login(cast.a.teacher)
    response = client.post(
        reverse("home:switch-profile"), {"profile": str(cast.a.direction.code)}, follow=True
    )
    assert "Ce profil n&#x27;est pas le vôtre." in response.content.decode()
    assert "Mes classes et groupes" in response.content.decode()


def test_tutor_page_queries_do_not_grow_with_the_number_of_pupils(cast, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lien.core.models import TutorLink

    client = login(cast.a.tutor)
    client.get(URL)  # warm the session
    fragments.touch([cast.a.tutor.user.pk])  # both measures without the cached pieces
    with CaptureQueriesContext(connection) as one_pupil:
        client.get(URL)
    for student in (cast.a.classmate, cast.a.sibling, cast.a.other_class_student):
        TutorLink.objects.create(tutor=cast.a.tutor, student=student)
    # Made straight in the database, as an administrator would: the page shows them once its
    # cached content goes (lien.core.fragments).
    fragments.touch([cast.a.tutor.user.pk])
    with CaptureQueriesContext(connection) as four_pupils:
        body = client.get(URL).content.decode()
    assert cast.a.other_class_student.user.get_full_name() in body
    assert len(four_pupils.captured_queries) == len(one_pupil.captured_queries)


@pytest.mark.parametrize("who", ["operator", "a.direction"])
def test_operators_and_the_direction_find_statistics_and_crisis_mode(cast, home, who):
    body = home(resolve(cast, who)).content.decode()
    assert reverse("usage:statistics") in body
    assert reverse("admission:crisis") in body


@pytest.mark.parametrize("who", ["a.teacher", "a.school_life", "a.parent", "a.student"])
def test_others_are_not_offered_statistics_nor_crisis_mode(cast, home, who):
    body = home(resolve(cast, who)).content.decode()
    assert reverse("usage:statistics") not in body
    assert reverse("admission:crisis") not in body
