"""The login gate: a bounded number of password checks at once on this machine.

A password check is deliberately expensive (Argon2: a tenth to a quarter of a second of one core,
and 100 MiB). A storm of logins on Monday morning must not take every worker process and every core
from the people already logged in. So each check first takes one of LIEN_LOGIN_CONCURRENCY
slots, shared by every process of the machine (a gunicorn sync worker serves one request at a
time: a limit per process would bound nothing). A login that finds them all taken waits for one
up to LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS, but only if one of LIEN_LOGIN_QUEUE_LENGTH places in the
queue is free: a waiting login holds its worker too, so logins never hold more than
concurrency + queue length workers at once. Otherwise, or after the wait, the login is told to
come back in a few seconds, its password never checked, so django-axes counts nothing.

Slots and places are exclusive locks (flock) on small files of LIEN_LOGIN_GATE_DIR: the system
releases them when the process ends, even killed, and two threads of one process exclude each
other too.
"""

import fcntl
import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from lien.ops import metrics

logger = logging.getLogger(__name__)

BUSY_MESSAGE = _("Beaucoup de connexions en ce moment : merci de réessayer dans quelques secondes.")
RETRY_AFTER_SECONDS = 5
POLL_SECONDS = 0.01


class LoginGateBusy(Exception):
    """No password-check slot came free: the queue was full, or the wait ran out."""


def _lock_any(directory: Path, prefix: str, count: int) -> int | None:
    """The descriptor of one of `count` files now locked by this caller; None if all are taken."""
    for index in random.sample(range(count), count):
        descriptor = os.open(directory / f"{prefix}-{index}", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor
    return None


def _refuse() -> LoginGateBusy:
    metrics.LOGIN_GATE.labels("refused").inc()
    return LoginGateBusy()


def _wait_for_slot(directory: Path, slots: int, queue_length: int, timeout: float) -> int:
    """A locked slot's descriptor, at once or after waiting in the queue; else LoginGateBusy."""
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    slot = _lock_any(directory, "slot", slots)
    if slot is None:
        place = _lock_any(directory, "queue", queue_length) if timeout > 0 else None
        if place is None:
            raise _refuse()
        try:
            while slot is None:
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise _refuse()
                # Jittered, so that the waiting processes do not all try at the same instant.
                time.sleep(min(timeout - waited, POLL_SECONDS * random.uniform(0.5, 1.5)))
                slot = _lock_any(directory, "slot", slots)
        finally:
            os.close(place)
    metrics.LOGIN_GATE.labels("admitted").inc()
    metrics.LOGIN_GATE_WAIT.observe(time.monotonic() - started)
    return slot


@contextmanager
def password_check_slot(
    slots: int | None = None,
    timeout: float | None = None,
    directory: Path | None = None,
    queue_length: int | None = None,
) -> Iterator[None]:
    """Hold one of the machine's password-check slots for the duration of the block.

    Without a free slot, waits up to `timeout` seconds for one if a place in the queue is free,
    then raises LoginGateBusy (the settings give the defaults). With no slot at all (`slots=0`)
    every login is refused: a way to test, or to stop logins for a while.
    """
    slots = settings.LIEN_LOGIN_CONCURRENCY if slots is None else slots
    timeout = settings.LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS if timeout is None else timeout
    directory = Path(settings.LIEN_LOGIN_GATE_DIR if directory is None else directory)
    queue_length = settings.LIEN_LOGIN_QUEUE_LENGTH if queue_length is None else queue_length
    descriptor: int | None = None
    try:
        descriptor = _wait_for_slot(directory, slots, queue_length, timeout)
    except OSError:
        # A gate that cannot work must not stop every login: let this one through, and say so.
        logger.exception("login gate unusable in %s: password checked without a slot", directory)
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)  # closing the lock's only descriptor releases it


def gated_authenticate(request: HttpRequest | None, username: str, password: str):
    """authenticate(), once a password-check slot is free: the user, or None.

    Raises LoginGateBusy when no slot frees up in time; the backends then never ran, so
    django-axes records no failure.
    """
    with password_check_slot():
        return authenticate(request, username=username, password=password)


def busy_login_response(
    request: HttpRequest, template_name: str, form, context: dict | None = None
) -> HttpResponse:
    """The login form again, its username kept, asking to come back in a few seconds (503)."""
    form.add_error(None, BUSY_MESSAGE)
    response = render(request, template_name, {"form": form, **(context or {})}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
