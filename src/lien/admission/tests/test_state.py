"""The shared state's rule, the same for the process-local and the Redis backend."""

from lien.admission.priority import PriorityClass
from lien.admission.state import IN_FLIGHT_TTL, WAITING_TTL
from lien.admission.tests.conftest import occupy, release

STAFF, STUDENT, PARENT = PriorityClass.STAFF, PriorityClass.STUDENT, PriorityClass.PARENT


def test_requests_under_the_limit_are_admitted_and_give_their_slot_back(admission_state):
    first = admission_state.enter(PARENT, limit=2)
    second = admission_state.enter(PARENT, limit=2)
    assert (first.admitted, second.admitted, second.in_flight) == (True, True, 2)
    assert admission_state.enter(PARENT, limit=2).admitted is False
    assert admission_state.leave(first.request_id) == 1
    assert admission_state.leave(second.request_id) == 0


def test_past_the_limit_people_wait_first_come_first_served(admission_state):
    load = occupy(admission_state, 2)
    first = admission_state.enter(PARENT, limit=2)
    second = admission_state.enter(PARENT, limit=2)
    assert (first.admitted, first.place, second.admitted, second.place) == (False, 1, False, 2)
    assert second.waiting == (0, 0, 2, 0)
    release(admission_state, load[:1])
    # One slot: it is the first one's, even if the second one reloads before.
    assert admission_state.enter(PARENT, ticket=second.ticket, limit=2).place == 2
    assert admission_state.enter(PARENT, ticket=first.ticket, limit=2).admitted is True
    again = admission_state.enter(PARENT, ticket=second.ticket, limit=2)
    assert (again.admitted, again.place, again.ticket) == (False, 1, second.ticket)


def test_a_newcomer_does_not_pass_people_already_waiting(admission_state):
    load = occupy(admission_state, 1)
    waiting = admission_state.enter(PARENT, limit=1)
    release(admission_state, load)
    newcomer = admission_state.enter(PARENT, limit=1)
    assert (newcomer.admitted, newcomer.place) == (False, 2)
    assert admission_state.enter(PARENT, ticket=waiting.ticket, limit=1).admitted is True


def test_a_better_class_goes_ahead_of_those_waiting(admission_state):
    occupy(admission_state, 3)
    parent = admission_state.enter(PARENT, limit=3)
    student = admission_state.enter(STUDENT, limit=3)
    assert (parent.place, student.place) == (1, 1)
    assert admission_state.enter(PARENT, ticket=parent.ticket, limit=3).place == 2


def test_a_ticket_of_another_class_or_unknown_gives_a_new_place(admission_state):
    occupy(admission_state, 1)
    parent = admission_state.enter(PARENT, limit=1)
    stranger = admission_state.enter(PARENT, ticket=parent.ticket + 40, limit=1)
    assert (stranger.ticket, stranger.place) == (parent.ticket + 1, 2)


def test_someone_who_stops_reloading_leaves_the_line(admission_state, clock):
    occupy(admission_state, 1)
    gone = admission_state.enter(PARENT, limit=1)
    clock.advance(WAITING_TTL / 2)
    staying = admission_state.enter(PARENT, limit=1)
    clock.advance(WAITING_TTL / 2 + 1)
    assert admission_state.enter(PARENT, ticket=staying.ticket, limit=1).place == 1
    back = admission_state.enter(PARENT, ticket=gone.ticket, limit=1)
    assert (back.place, back.ticket > staying.ticket) == (2, True)


def test_a_slot_never_given_back_stops_counting(admission_state, clock):
    occupy(admission_state, 1)  # a worker that crashed in the middle of a request
    assert admission_state.enter(PARENT, limit=1).admitted is False
    clock.advance(IN_FLIGHT_TTL + 1)
    assert admission_state.enter(STAFF, limit=1).in_flight == 1


def test_always_admits_and_counts_whatever_the_load(admission_state):
    occupy(admission_state, 5)
    admission = admission_state.enter(ANONYMOUS := PriorityClass.ANONYMOUS, limit=1, always=True)
    assert (admission.admitted, admission.in_flight) == (True, 6)
    assert admission_state.enter(ANONYMOUS, limit=10).in_flight == 7


def test_a_delayed_class_waits_even_with_free_slots(admission_state):
    assert admission_state.enter(PARENT, limit=None, delayed=True).admitted is False
    assert admission_state.enter(STAFF, limit=None, delayed=False).admitted is True


def test_the_pace_of_the_line_is_counted(admission_state):
    load = occupy(admission_state, 1)
    first = admission_state.enter(PARENT, limit=1)
    admission_state.enter(PARENT, limit=1)
    release(admission_state, load)
    admitted = admission_state.enter(PARENT, ticket=first.ticket, limit=1)
    assert admitted.drained == 1
    assert admission_state.enter(PARENT, limit=1).drained == 1
