"""The login gate as plain functions: slots shared by every thread and process, no HTTP."""

import fcntl
import os
import subprocess
import sys
import threading

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from lien.ops.login_gate import LoginGateBusy, gated_authenticate, password_check_slot
from lien.tests.factories import PASSWORD, UserFactory

HOLD_A_SLOT = """
import fcntl, os, sys
descriptor = os.open(os.path.join(sys.argv[1], "slot-0"), os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def login_request():
    return RequestFactory().post("/connexion/", REMOTE_ADDR="127.0.0.1")


def test_a_free_slot_is_taken_at_once_and_given_back_after(login_gate):
    with password_check_slot():
        pass
    with password_check_slot():
        pass


def test_a_second_check_waits_in_vain_while_the_only_slot_is_held(login_gate):
    with password_check_slot(), pytest.raises(LoginGateBusy), password_check_slot():
        pass


def test_two_slots_let_two_checks_through_but_not_a_third(login_gate):
    with (
        password_check_slot(slots=2),
        password_check_slot(slots=2),
        pytest.raises(LoginGateBusy),
        password_check_slot(slots=2),
    ):
        pass


def test_no_slot_refuses_every_check(login_gate):
    with pytest.raises(LoginGateBusy), password_check_slot(slots=0):
        pass


def test_the_slot_is_given_back_when_the_check_fails(login_gate):
    with pytest.raises(ValueError), password_check_slot():
        raise ValueError
    with password_check_slot():
        pass


def hold_the_slot():
    """A thread holding the only slot; the event given back releases it."""
    held, release = threading.Event(), threading.Event()

    def holder():
        with password_check_slot():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    return thread, release


def release_soon(holder):
    """The slot given back half a second from now, while the next check is waiting for it."""
    thread, release = holder
    threading.Timer(0.5, release.set).start()
    return thread


def test_a_check_waits_for_the_slot_when_the_queue_has_room(login_gate):
    holder = release_soon(hold_the_slot())
    with password_check_slot(timeout=10, queue_length=1):
        pass
    holder.join()


def test_without_room_in_the_queue_a_check_is_refused_at_once(login_gate):
    """The slot frees up long before the timeout, but the login was not allowed to wait."""
    holder = release_soon(hold_the_slot())
    with pytest.raises(LoginGateBusy), password_check_slot(timeout=10, queue_length=0):
        pass
    holder.join()


def test_a_full_queue_refuses_the_next_login(login_gate):
    directory = login_gate.LIEN_LOGIN_GATE_DIR
    holder = hold_the_slot()
    waiting = os.open(directory / "queue-0", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(waiting, fcntl.LOCK_EX)  # another login already waits in the only place
    try:
        thread = release_soon(holder)
        with pytest.raises(LoginGateBusy), password_check_slot(timeout=10, queue_length=1):
            pass
    finally:
        os.close(waiting)
    thread.join()


def test_a_slot_held_by_another_process_counts(login_gate):
    directory = login_gate.LIEN_LOGIN_GATE_DIR
    directory.mkdir(parents=True)
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_SLOT, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout.readline() == "held\n"
        with pytest.raises(LoginGateBusy), password_check_slot():
            pass
    finally:
        other.kill()  # a process that dies gives its slot back
        other.wait()
    with password_check_slot():
        pass


def test_an_unusable_gate_lets_the_check_through(login_gate, tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with password_check_slot(directory=not_a_directory / "gate"):
        pass


def test_gated_authenticate_returns_the_user_when_a_slot_is_free(db, login_gate):
    user = UserFactory(username="l.martin")
    assert gated_authenticate(login_request(), "l.martin", PASSWORD) == user
    assert gated_authenticate(login_request(), "l.martin", "mauvais") is None


def test_gated_authenticate_refused_counts_no_failure(db, login_gate):
    UserFactory(username="l.martin")
    login_gate.LIEN_LOGIN_CONCURRENCY = 0
    with pytest.raises(LoginGateBusy):
        gated_authenticate(login_request(), "l.martin", "mauvais")
    assert AccessAttempt.objects.count() == 0
    login_gate.LIEN_LOGIN_CONCURRENCY = 1
    gated_authenticate(login_request(), "l.martin", "mauvais")
    assert AccessAttempt.objects.get().failures_since_start == 1
