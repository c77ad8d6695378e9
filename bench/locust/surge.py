"""The Monday 8 a.m. rush, for Locust: parents, pupils, teachers and staff of a seeded district
go through their real journeys on Lien. Run by bench/surge.py, which seeds the district, writes
the configuration this file reads and analyses the per-request log it writes:

    SURGE_CONFIG=var/bench/surge/config.json SURGE_LOG=var/bench/surge/requests-3x.csv \
    SURGE_THINK_SECONDS=2 locust -f bench/locust/surge.py --headless -u 900 -r 90 -t 90s \
        --host http://127.0.0.1:PORT --csv var/bench/surge/locust-3x

Configuration (JSON, from bench/surge.py): for each role its weight (the share of users), the
cookies of sessions opened in advance (most people arrive already logged in) and a few accounts
with a known password (the others log in for real, through the form and its password check);
the URLs of the pages, and which optional journeys the installation has (homework, assignments,
news).

Each user is one person, of a role given in the proportions of the configuration (each new user
takes the role furthest behind its share). A visit starts on the home page and goes through a
few pages of the person's role; one page view per Locust task, `SURGE_THINK_SECONDS` apart on
average (`constant_throughput`: an open loop, whatever the answer time). With 0 (a closed loop,
for finding the capacity, with few users), each user plays one person after another, for
`VISITS_PER_PERSON` visits each, so that the roles and the cold and warm caches come in the
same proportions as in the surge. A waiting page (503 with Retry-After, the admission's waiting
room) or a full login gate (503 on the login form) is logged as "waited", not as an error, and
the same page is requested again after Retry-After seconds, as the page's meta refresh does.

Every request is logged to `SURGE_LOG` as CSV: start time, role, page, status, outcome (ok,
waited, 4xx, 5xx, timeout, connection), latency in ms, bytes.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from http.cookiejar import Cookie
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, constant_throughput, events, task

CONFIG = json.loads(Path(os.environ["SURGE_CONFIG"]).read_text(encoding="utf-8"))
THINK_SECONDS = float(os.environ.get("SURGE_THINK_SECONDS", "2"))
URLS = CONFIG["urls"]
HOST_NAME = CONFIG["host_name"]
# A person stuck on a waiting page keeps it open for at most this long, then the run ends anyway.
MAX_RETRY_AFTER = 30

MESSAGE_LINK = re.compile(r'href="(/messagerie/messages/[0-9a-f-]{36}/)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY_INPUT = re.compile(r'name="idempotency_key" value="([^"]*)"')
LIST_INPUT = re.compile(r'name="lists" value="([^"]+)"')
HOMEWORK_LINK = re.compile(
    r'href="('
    + re.escape(URLS.get("homework", "/cahier-de-textes/"))
    + r'(?:eleves|classes|groupes)/[0-9a-f-]{36}/)"'
)
ASSIGNMENT_LINK = re.compile(
    r'href="(' + re.escape(URLS.get("assignments", "/devoirs/")) + r'[0-9a-f-]{36}/)"'
)
TIMEOUT_NAMES = ("timeout", "Timeout")
NEXT_PAGE = " (redirected)"


def outcome_of(response, exception) -> str:
    status = getattr(response, "status_code", 0) or 0
    if status == 0:
        name = type(exception).__name__ if exception else ""
        return "timeout" if any(word in name for word in TIMEOUT_NAMES) else "connection"
    if status == 503 and response.headers and response.headers.get("Retry-After"):
        return "waited"
    if status >= 500:
        return "5xx"
    if status >= 400:
        return "4xx"
    return "ok"


# Open for the whole run; closed (flushed) when Locust quits.
_log = open(os.environ["SURGE_LOG"], "w", buffering=1 << 16, encoding="utf-8")  # noqa: SIM115
_log.write("start,role,page,status,outcome,latency_ms,bytes\n")


@events.request.add_listener
def log_request(
    name, response_time, response_length, response, context, exception, start_time, **kwargs
):
    status = getattr(response, "status_code", 0) or 0
    _log.write(
        f"{start_time:.3f},{context.get('role', '')},{name},{status},"
        f"{outcome_of(response, exception)},{response_time:.2f},{response_length}\n"
    )


@events.quitting.add_listener
def close_log(**kwargs):
    _log.close()


def session_cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0,
        name,
        value,
        None,
        False,
        HOST_NAME,
        False,
        False,
        "/",
        True,
        False,
        None,
        True,
        None,
        None,
        {},
    )


def next_role() -> str:
    """The role furthest behind its share of the people started so far."""
    total = sum(STARTED.values()) + 1
    role = max(WEIGHTS, key=lambda r: WEIGHTS[r] * total - STARTED[r])
    STARTED[role] += 1
    return role


WEIGHTS = {role: spec["weight"] / 100 for role, spec in CONFIG["roles"].items()}
STARTED = dict.fromkeys(WEIGHTS, 0)
NUMBERS = {role: itertools.count() for role in WEIGHTS}
VISITS_PER_PERSON = 10


class Person(FastHttpUser):
    """One person of the district at a time (see the module's doc)."""

    network_timeout = 30.0
    connection_timeout = 30.0
    wait_time = constant_throughput(1 / THINK_SECONDS) if THINK_SECONDS > 0 else constant(0)

    def context(self) -> dict:
        return {"role": self.role}

    def on_start(self) -> None:
        self.become_someone()

    def become_someone(self) -> None:
        """A new person: a role, then an open session of that role or, for a few, a password
        to log in with."""
        self.role = next_role()
        self.visits_left = VISITS_PER_PERSON if THINK_SECONDS == 0 else None
        self.client.cookiejar.clear()
        spec = CONFIG["roles"][self.role]
        self.number = next(NUMBERS[self.role])
        self.account = None
        if spec["accounts"] and random.random() < CONFIG["login_share"]:
            self.account = spec["accounts"][self.number % len(spec["accounts"])]
        else:
            cookies = spec["sessions"][self.number % len(spec["sessions"])]
            for name, value in cookies.items():
                self.client.cookiejar.set_cookie(session_cookie(name, value))
        self.visit = self.first_visit()

    @task
    def view_one_page(self) -> None:
        """One page view of the current visit; a new visit (or person) when it has ended."""
        for _ in range(3):
            try:
                next(self.visit)
                return
            except StopIteration:
                if self.visits_left is not None:
                    self.visits_left -= 1
                    if self.visits_left <= 0:
                        self.become_someone()
                        continue
                self.visit = self.new_visit()

    # -- visits ---------------------------------------------------------------------------------

    def first_visit(self):
        if self.account is not None:
            return self.login_then(self.new_visit())
        return self.new_visit()

    def new_visit(self):
        names, weights = zip(*ROLE_VISITS[self.role], strict=True)
        return getattr(self, random.choices(names, weights)[0])()

    def login_then(self, visit):
        form = yield from self.page("login form", URLS["login"])
        token = _first(CSRF_INPUT, form)
        data = {
            "csrfmiddlewaretoken": token,
            "username": self.account["username"],
            "password": self.account["password"],
        }
        yield from self.page("login", URLS["login"], data=data)
        yield from visit

    def read_messages(self):
        yield from self.page("home", URLS["home"])
        inbox = yield from self.page("inbox", URLS["inbox"])
        links = MESSAGE_LINK.findall(inbox)
        if links:
            yield from self.page("message", random.choice(links[:5]))

    def write_message(self):
        yield from self.page("home", URLS["home"])
        yield from self.page("inbox", URLS["inbox"])
        compose = yield from self.page("compose", URLS["compose"])
        lists = LIST_INPUT.findall(compose)
        token, key = _first(CSRF_INPUT, compose), _first(IDEMPOTENCY_INPUT, compose)
        preferred = [value for value in lists if value.startswith(WRITES_TO[self.role])]
        if not token or not (preferred or lists):
            return
        data = {
            "csrfmiddlewaretoken": token,
            "idempotency_key": key or uuid.uuid4().hex,
            "draft": "",
            "lists": (preferred or lists)[0],
            "subject": f"Lundi matin ({self.role} {self.number})",
            "body": "Bonjour,\n\nPouvez-vous me confirmer l'heure de la réunion ?\n\nMerci.",
            "action": "send",
        }
        yield from self.page("send message", URLS["compose"], data=data)

    def homework_log(self):
        yield from self.page("home", URLS["home"])
        log = yield from self.page("homework log", URLS["homework"])
        # A parent or a teacher picks a child's or a class's log; a pupil is sent to theirs.
        links = HOMEWORK_LINK.findall(log)
        if links:
            yield from self.page("homework log of a class or child", random.choice(links[:5]))
        if "todo" in URLS and self.role in {"student", "parent"}:
            yield from self.page("to-do list", URLS["todo"])

    def news(self):
        yield from self.page("home", URLS["home"])
        yield from self.page("news", URLS["news"])

    def assignments(self):
        """A pupil opens an assignment, then hands in a file (the form posts to itself)."""
        yield from self.page("home", URLS["home"])
        listing = yield from self.page("assignments", URLS["assignments"])
        links = ASSIGNMENT_LINK.findall(listing)
        if not links:
            return
        detail = random.choice(links[:5])
        yield from self.page("assignment", detail)
        if self.role != "student":
            return
        form = yield from self.page("hand-in form", detail + "rendre/")
        token = _first(CSRF_INPUT, form)
        if not token:
            return
        files = {"uploads": ("copie.txt", b"Ma copie, en entier.\n", "text/plain")}
        data = {"csrfmiddlewaretoken": token}
        yield from self.page("hand in", detail + "rendre/", data=data, files=files)

    # -- one page -------------------------------------------------------------------------------

    def page(self, name: str, path: str, data: dict | None = None, files: dict | None = None):
        """Request the page (GET, or POST with `data`) until it is not a waiting page; yields
        once, so that the think time passes after it; returns the HTML."""
        while True:
            response = self.request(name, path, data, files)
            status = response.status_code
            if status == 503 and response.headers.get("Retry-After"):
                # The waiting page reloads itself after Retry-After seconds (meta refresh).
                gevent.sleep(min(MAX_RETRY_AFTER, int(response.headers["Retry-After"])))
                continue
            if status in (301, 302, 303) and response.headers.get("Location"):
                # The browser follows a redirect at once (after a POST, or to the page meant).
                name = name if name.endswith(NEXT_PAGE) else name + NEXT_PAGE
                path, data, files = response.headers["Location"], None, None
                continue
            yield
            return (response.text or "") if status == 200 else ""

    def request(self, name, path, data, files):
        method = "POST" if data is not None else "GET"
        kwargs = {"allow_redirects": False, "catch_response": True, "name": name}
        if files:
            body, content_type = _multipart(data, files)
            kwargs.update(data=body, headers={"Content-Type": content_type})
        elif data is not None:
            kwargs["data"] = data
        with self.client.request(method, path, **kwargs) as response:
            status = response.status_code
            if status == 503 and response.headers.get("Retry-After"):
                response.success()  # a waiting page: counted apart, not an error
            elif 200 <= status < 400:
                response.success()
            else:
                response.failure(f"HTTP {status}")
        return response


def _first(pattern: re.Pattern, text: str) -> str:
    found = pattern.search(text or "")
    return found.group(1) if found else ""


def _multipart(data: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in data.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _visits(**weights: float) -> tuple[tuple[str, float], ...]:
    """The visits whose pages the installation has, with their weights."""
    needs = {"homework_log": "homework", "news": "news", "assignments": "assignments"}
    return tuple(
        (name, weight) for name, weight in weights.items() if needs.get(name, "home") in URLS
    )


# What each role does on Lien, with the weights of its visits.
ROLE_VISITS = {
    "parent": _visits(read_messages=6, write_message=1, homework_log=4, assignments=1, news=2),
    "student": _visits(read_messages=4, write_message=0.5, homework_log=5, assignments=1.5, news=1),
    "teacher": _visits(read_messages=5, write_message=2, homework_log=3),
    "staff": _visits(read_messages=5, write_message=2, news=1),
}
# The list a role's new message goes to, when the compose page offers it.
WRITES_TO = {
    "parent": "class_teachers:",
    "student": "class_teachers:",
    "teacher": "class_parents:",
    "staff": "staff",
}
