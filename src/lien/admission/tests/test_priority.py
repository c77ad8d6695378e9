"""The priority class of a session: computed at login, then read from the session."""

import pytest
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from lien.admission.priority import (
    SESSION_KEY,
    Identity,
    PriorityClass,
    identity_of_user,
    request_identity,
)
from lien.core.models import Profile
from lien.tests.factories import UserFactory, make_profile


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("a.teacher", PriorityClass.STAFF),
        ("a.direction", PriorityClass.STAFF),
        ("a.librarian", PriorityClass.STAFF),
        ("operator", PriorityClass.STAFF),
        ("a.student", PriorityClass.STUDENT),
        ("a.parent", PriorityClass.PARENT),
        ("a.tutor", PriorityClass.PARENT),
    ],
)
def test_each_role_has_its_class(world, who, expected):
    from lien.tests.world import resolve

    assert identity_of_user(resolve(world, who).user_id).priority == expected


def test_the_best_profile_counts_and_every_establishment_is_kept(cast):
    teacher_in_b = make_profile(Profile.Role.TEACHER, cast.b.establishment)
    Profile.objects.filter(pk=teacher_in_b.pk).update(user=cast.a.parent.user)
    identity = identity_of_user(cast.a.parent.user_id)
    establishments = {cast.a.establishment, cast.b.establishment}
    assert identity == Identity(
        PriorityClass.STAFF,
        tuple(sorted((e.pk, e.collectivity_id) for e in establishments)),
    )


def test_an_account_without_profile_counts_as_anonymous(db):
    assert identity_of_user(UserFactory().pk).priority == PriorityClass.ANONYMOUS


def test_the_login_keeps_the_class_in_the_session(cast, client):
    client.force_login(cast.a.parent.user)
    stored = client.session[SESSION_KEY]
    assert stored == {
        "user": str(cast.a.parent.user_id),
        "class": PriorityClass.PARENT,
        "places": [[cast.a.establishment.pk, cast.a.establishment.collectivity_id]],
    }
    assert client.session["lien_priority"] == "parent"


def _request_with(session) -> object:
    request = RequestFactory().get("/")
    request.session = session
    return request


def test_the_class_is_read_from_the_session_without_any_query(
    cast, client, django_assert_num_queries
):
    client.force_login(cast.a.teacher.user)
    session = client.session  # loaded here, as SessionMiddleware's would be by then
    assert session.get(AUTH_SESSION_KEY) == str(cast.a.teacher.user_id)
    with django_assert_num_queries(0):
        identity = request_identity(_request_with(session))
    assert identity.priority == PriorityClass.STAFF


def test_a_session_without_the_class_gets_it_once(cast, django_assert_num_queries):
    session = SessionStore()
    session[AUTH_SESSION_KEY] = str(cast.a.student.user_id)
    assert request_identity(_request_with(session)).priority == PriorityClass.STUDENT
    assert session[SESSION_KEY]["class"] == PriorityClass.STUDENT
    with django_assert_num_queries(0):
        assert request_identity(_request_with(session)).priority == PriorityClass.STUDENT


def test_a_class_stored_for_another_account_is_not_trusted(cast):
    session = SessionStore()
    session[AUTH_SESSION_KEY] = str(cast.a.parent.user_id)
    session[SESSION_KEY] = {"user": str(cast.a.teacher.user_id), "class": 0, "places": []}
    assert request_identity(_request_with(session)).priority == PriorityClass.PARENT


def test_without_a_session_the_request_is_anonymous(db):
    assert request_identity(_request_with(SessionStore())).priority == PriorityClass.ANONYMOUS
