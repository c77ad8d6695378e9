"""Who a request comes from, as far as admission cares: a priority class and the places
(establishment, collectivité) of the person's profiles, read from the session.

The session holds them from the login on (`remember_identity`, connected to
`user_logged_in` in apps.py), so that deciding on a request costs no query; a session opened
before this existed gets them from one query, then keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import HttpRequest

from lien.core.models import Profile

SESSION_KEY = "lien_admission"
# The class's label alone, read by lien.ops's request metrics.
PRIORITY_LABEL_SESSION_KEY = "lien_priority"


class PriorityClass(IntEnum):
    """Admitted in this order when the platform is saturated (the lowest value first)."""

    STAFF = 0  # staff, collectivité operators and teachers
    STUDENT = 1
    PARENT = 2  # parents and external tutors
    ANONYMOUS = 3  # no session, or an account without any profile

    @property
    def label(self) -> str:
        return self.name.lower()


ROLE_CLASSES = {
    Profile.Role.STAFF: PriorityClass.STAFF,
    Profile.Role.OPERATOR: PriorityClass.STAFF,
    Profile.Role.TEACHER: PriorityClass.STAFF,
    Profile.Role.STUDENT: PriorityClass.STUDENT,
    Profile.Role.PARENT: PriorityClass.PARENT,
    Profile.Role.TUTOR: PriorityClass.PARENT,
}


@dataclass(frozen=True)
class Identity:
    priority: PriorityClass
    # (establishment id, collectivité id) of each profile held in an establishment.
    places: tuple[tuple[int, int], ...] = ()


ANONYMOUS = Identity(PriorityClass.ANONYMOUS)


def identity_of_user(user_id: int | str) -> Identity:
    """The best class among the person's profiles, and where they hold them (one query)."""
    rows = Profile.objects.filter(user_id=user_id).values_list(
        "role", "establishment_id", "establishment__collectivity_id"
    )
    priority = PriorityClass.ANONYMOUS
    places = set()
    for role, establishment_id, collectivity_id in rows:
        priority = min(priority, ROLE_CLASSES[Profile.Role(role)])
        if establishment_id is not None:
            places.add((establishment_id, collectivity_id))
    return Identity(priority, tuple(sorted(places)))


def _store(session, user_id, identity: Identity) -> None:
    session[SESSION_KEY] = {
        "user": str(user_id),
        "class": int(identity.priority),
        "places": [list(place) for place in identity.places],
    }
    session[PRIORITY_LABEL_SESSION_KEY] = identity.priority.label


def _stored(session, user_id) -> Identity | None:
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("user") != str(user_id):
        return None
    try:
        places = tuple(
            (int(establishment), int(collectivity))
            for establishment, collectivity in stored["places"]
        )
        return Identity(PriorityClass(stored["class"]), places)
    except (KeyError, TypeError, ValueError):
        return None


def remember_identity(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: keep the class in the session for the whole session."""
    if request is not None and hasattr(request, "session"):
        _store(request.session, user.pk, identity_of_user(user.pk))


def request_identity(request: HttpRequest) -> Identity:
    """The identity of the request's session, without loading the user: from the session, or
    from one query that is then kept in the session. Cached on the request."""
    cached = getattr(request, "_lien_admission_identity", None)
    if cached is not None:
        return cached
    session = getattr(request, "session", None)
    user_id = session.get(AUTH_SESSION_KEY) if session is not None else None
    identity: Identity = ANONYMOUS
    if user_id is not None:
        stored = _stored(session, user_id)
        if stored is None:
            stored = identity_of_user(user_id)
            _store(session, user_id, stored)
        identity = stored
    request._lien_admission_identity = identity  # type: ignore[attr-defined]
    return identity
