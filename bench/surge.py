"""`make bench`, surge part: the Monday 8 a.m. rush on a large seeded district, with Locust,
against the production stack, and the memory every process of the stack takes meanwhile.

Starts the production stack (scripts/prodstack.py: nginx, gunicorn, daphne, a Celery worker and
beat, PostgreSQL and Redis) on its own database, `lien_bench_surge` (dropped and created afresh),
with the priority admission on (`LIEN_ADMISSION_MAX_QUEUE_DELAY_MS`). Seeds the district in this
process (`seed_scale`: 20 establishments and 20,000 pupils by default, their parents, teachers and
staff; three messages from each direction to the whole establishment), opens sessions for a sample
of each role (`Client.force_login`, cookies exported to var/bench/surge/config.json) and gives a
few accounts of each role a known password (they log in through the form, Argon2 and all).

Then, with Locust (bench/locust/surge.py, headless, one process on the same 2 cores):

1. the ceilings: a static file served by nginx alone and the trivial view `/sante/` (wrk);
2. the capacity: a closed loop (a few users, no think time) through the journeys' mix; capacity =
   the page views per second served (goodput);
3. the surge: an open loop offering 3× and then 10× that capacity (users × 1 page view per think
   time), with the admission's waiting room on;

and reports, per level, role and page: requests, throughput, latency percentiles, errors (5xx,
timeouts, connection errors), waiting pages, goodput as a share of the capacity; a chart of the
latency over time per role for each level (docs/bench/surge-*.png); the peak memory of every
process of the stack (sampled from /proc each second); an estimate of the machines needed for the
busiest région's day. `--soak-minutes N` adds a steady load of N minutes on a restarted stack whose
workers are never recycled, and reports each web worker's memory minute by minute.

Writes its section of BENCHMARKS.md between its markers, with a ✓ or ✗ for each target of issue 6.
Every process started is stopped by its PID. Exits with status 1 if a request failed (5xx,
timeout, connection error, or a 4xx: a journey went wrong) or a level made no request; the
targets missed are printed, not turned into a failure (the figures depend on the machine).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "src"), str(ROOT / "bench")]

from prodstack import Stack, free_port, process_groups, with_database  # noqa: E402
from production import parse_wrk  # noqa: E402  (bench/production.py, next to this script)
from run import machine, write_report  # noqa: E402  (bench/run.py, next to this script)

VAR_DIR = ROOT / "var" / "bench" / "surge"
CHART_DIR = ROOT / "docs" / "bench"
LOCUSTFILE = ROOT / "bench" / "locust" / "surge.py"
LOCUST = Path(sys.executable).parent / "locust"
WRK = "/usr/bin/wrk"
DATABASE_URL = os.environ.get(
    "BENCH_SURGE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lien_bench_surge"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
COMMAND = ".venv/bin/python bench/surge.py"
START = "<!-- bench:surge:start -->"
END = "<!-- bench:surge:end -->"
HOST = "127.0.0.1"
PASSWORD = "Lundi-8h-surge-2026"
ROLES = {"parent": 55, "student": 35, "teacher": 8, "staff": 2}
MESSAGES_PER_SCHOOL = 3
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Targets (issue 6).
GOODPUT_AIM = 0.90
TEACHER_P95_MS = 300
WAITING_P99_MS = 20
MEMORY_LIMIT_MB = 4096
# The busiest région's day (issue 6) and the assumptions that turn it into a peak.
DAY_SESSIONS = 933_300
DAY_PAGE_VIEWS = 11_600_000
PEAK_HOUR_SHARE = 0.15  # of the day's page views and logins in its busiest hour
PEAK_FACTOR = 2.0  # the busiest minutes of that hour (8 a.m.) against the hour's average
HEADROOM = 0.7  # machines run at no more than this share of their measured capacity
# Pages of the journeys that other apps bring, by URL name: run when the installation has them.
OPTIONAL_URLS = {
    "homework": "homework:index",
    "todo": "homework:todo",
    "assignments": "assignments:index",
    "news": "news:list",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=20)
    parser.add_argument("--students", type=int, default=20000, help="pupils of the district")
    parser.add_argument("--collectivities", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--sessions", type=int, default=1000, help="sessions opened in advance")
    parser.add_argument("--password-accounts", type=int, default=8, help="per role")
    parser.add_argument("--login-share", type=float, default=0.02, help="users who log in")
    parser.add_argument("--think-seconds", type=float, default=2.0, help="between page views")
    parser.add_argument("--capacity-users", type=int, default=6, help="closed loop")
    parser.add_argument("--capacity-seconds", type=int, default=45)
    parser.add_argument("--levels", default="3,10", help="offered load, × capacity")
    parser.add_argument("--level-seconds", type=int, default=75)
    parser.add_argument("--ramp-seconds", type=int, default=10, help="all users arrive within")
    parser.add_argument("--max-users", type=int, default=4000, help="Locust users at most")
    parser.add_argument("--max-queue-delay-ms", type=int, default=100, help="admission")
    parser.add_argument("--max-in-flight", type=int, default=0, help="admission (0: off)")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="per ceiling")
    parser.add_argument("--soak-minutes", type=int, default=0)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database and sessions of the last run"
    )
    args = parser.parse_args()
    for path in (WRK, LOCUST):
        if not Path(path).exists():
            sys.exit(f"{path} is missing: scripts/setup.sh --dev installs it")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    CHART_DIR.mkdir(parents=True, exist_ok=True)
    config_path = VAR_DIR / "config.json"
    reuse = args.reuse and config_path.exists() and database_exists(DATABASE_URL)
    if not reuse:
        recreate_database(DATABASE_URL)

    stack = Stack(
        port=free_port(),
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        workers=args.workers,
        var_dir=VAR_DIR,
        env=stack_env(args),
    )
    with stack:
        os.environ.update(stack.env)  # this process seeds as the stack's processes would
        import django

        django.setup()
        data = json.loads(config_path.read_text()) if reuse else seed(args)
        data["host_name"] = HOST
        data["login_share"] = args.login_share
        config_path.write_text(json.dumps(data))
        data["password_check_ms"] = password_check_ms(data)
        data["celery_wait_seconds"] = round(wait_for_celery(), 1)
        sampler = MemorySampler(stack, DATABASE_URL.rsplit("/", 1)[1])
        sampler.start()
        try:
            ceilings = measure_ceilings(stack, args)
            capacity = run_level(
                stack, sampler, "capacity", args, users=args.capacity_users, think=0
            )
            levels = [capacity]
            for factor in [float(f) for f in args.levels.split(",") if f]:
                users = round(factor * capacity["all"]["goodput"] * args.think_seconds)
                if users > args.max_users:
                    print(
                        f"== {factor:g}×: {users} users, cut to {args.max_users}", file=sys.stderr
                    )
                    users = args.max_users
                level = run_level(
                    stack, sampler, f"{factor:g}x", args, users=users, think=args.think_seconds
                )
                level["factor"] = factor
                levels.append(level)
        finally:
            memory = sampler.stop()
    soak = run_soak(args, capacity) if args.soak_minutes else None
    for level in levels:
        level["chart"] = draw_chart(level)
    report = render(args, data, ceilings, levels, memory, soak)
    write_report(report, START, END)
    print(report)
    missed = missed_targets(levels, memory)
    if missed:
        print("targets missed: " + "; ".join(missed), file=sys.stderr)
    broken = [
        f"{level['name']}: {level['all']['errors']} errors"
        for level in levels
        if level["all"]["errors"]
    ]
    if broken or not all(level["all"]["requests"] for level in levels):
        sys.exit("errors or no requests: " + "; ".join(broken))


def stack_env(args, **extra: str) -> dict[str, str]:
    return {
        "EMAIL_URL": "locmem://",
        "LIEN_ADMISSION_MAX_QUEUE_DELAY_MS": str(args.max_queue_delay_ms),
        "LIEN_ADMISSION_MAX_IN_FLIGHT": str(args.max_in_flight),
        **extra,
    }


def database_exists(url: str) -> bool:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def recreate_database(url: str) -> None:
    """Drop the database, and the Redis keys of the stacks that ran on it (cache, sessions,
    queues, admission): they are prefixed with its name."""
    import redis

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    client = redis.Redis.from_url(REDIS_URL)
    for pattern in (f"{name}:*", f"{name}-asgi*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])


# --- Data -----------------------------------------------------------------------------------------


def seed(args) -> dict:
    from django.core.management import call_command

    from lien.core.management.commands.seed_scale import row_counts

    print(
        f"== seed_scale: {args.establishments} établissements, {args.students} élèves",
        file=sys.stderr,
    )
    started = time.perf_counter()
    call_command(
        "seed_scale",
        establishments=args.establishments,
        students=args.students,
        collectivities=args.collectivities,
        stdout=io.StringIO(),
        verbosity=0,
    )
    seed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    messages = send_messages()
    message_seconds = time.perf_counter() - started
    started = time.perf_counter()
    urls = page_urls()
    content = seed_content(urls)
    content_seconds = time.perf_counter() - started
    started = time.perf_counter()
    roles = {}
    for role, weight in ROLES.items():
        users = sample_users(
            role, max(1, round(args.sessions * weight / 100)) + args.password_accounts
        )
        accounts, users = users[: args.password_accounts], users[args.password_accounts :]
        roles[role] = {
            "weight": weight,
            "sessions": open_sessions(users),
            "accounts": give_passwords(accounts),
        }
    session_seconds = time.perf_counter() - started
    counts = row_counts()
    return {
        "rows": counts,
        "seed_seconds": round(seed_seconds, 1),
        "messages": messages,
        "message_seconds": round(message_seconds, 1),
        "session_seconds": round(session_seconds, 1),
        "content": content,
        "content_seconds": round(content_seconds, 1),
        "roles": roles,
        "urls": urls,
        "database_mb": database_mb(),
    }


def send_messages() -> dict:
    """Each direction writes MESSAGES_PER_SCHOOL times to its whole establishment (the staff,
    each teacher, every class's pupils and parents): everyone has messages in their inbox. Old
    news: no e-mail, no live event is queued for them. (Each teacher by name rather than each
    class's teachers: that list costs about 70 ms per class to resolve at this size.)"""
    from unittest import mock

    from django.db import transaction
    from django.utils import timezone

    from lien.core.management.commands.seed_scale import SCALE_UAI_PREFIX
    from lien.core.models import Establishment, Profile, SchoolClass
    from lien.messaging import services
    from lien.messaging.models import Address, Delivery

    Kind = Address.Kind
    sent = deliveries = 0
    schools = Establishment.objects.filter(uai__startswith=SCALE_UAI_PREFIX).order_by("uai")
    print(f"== messages : {MESSAGES_PER_SCHOOL} par établissement", file=sys.stderr)
    with (
        mock.patch.object(services, "_enqueue_notifications", lambda message_pk: None),
        transaction.atomic(),
    ):
        for school in schools:
            profiles = Profile.objects.filter(establishment=school)
            direction = profiles.get(
                role=Profile.Role.STAFF, staff_function=Profile.StaffFunction.DIRECTION
            ).user
            teachers = profiles.filter(role=Profile.Role.TEACHER).values_list("user", flat=True)
            classes = SchoolClass.objects.filter(establishment=school)
            for index in range(MESSAGES_PER_SCHOOL):
                addresses = [Address(kind=Kind.STAFF, field="to")]
                addresses += [Address(kind=Kind.USER, user_id=pk, field="bcc") for pk in teachers]
                for school_class in classes:
                    for kind in (Kind.CLASS_PARENTS, Kind.CLASS_STUDENTS):
                        addresses.append(Address(kind=kind, school_class=school_class, field="bcc"))
                message = services.check_send(
                    direction,
                    school,
                    services.Draft(
                        subject=f"Rentrée des vacances ({index + 1})",
                        body="Bonjour,\n\nLes cours reprennent lundi à 8 h.\n\nLa direction",
                        addresses=addresses,
                        idempotency_key=f"bench-surge-{school.uai}-{index}",
                    ),
                )
                sent += 1
                deliveries += message.recipient_count
        # Their e-mails went out long ago: the periodic sweep must not send them during the load.
        Delivery.objects.filter(notified_at__isnull=True).update(notified_at=timezone.now())
    return {"sent": sent, "deliveries": deliveries}


def seed_content(urls: dict[str, str]) -> dict[str, int]:
    """What the other journeys read, written through each app's services, when the app is
    there: per class, a homework entry with work to do in two days and an assignment due in a
    week, by one of the class's teachers; per establishment, two news items from the direction.
    One transaction for all."""
    from django.db import transaction

    from lien.core.management.commands.seed_scale import SCALE_UAI_PREFIX
    from lien.core.models import Establishment, TeachingAssignment

    teachings = {}
    for teaching in (
        TeachingAssignment.objects.filter(
            school_class__establishment__uai__startswith=SCALE_UAI_PREFIX,
            school_class__school_year__is_current=True,
        )
        .select_related("teacher__user", "subject", "school_class__school_year")
        .order_by("school_class_id", "pk")
    ):
        teachings.setdefault(teaching.school_class_id, teaching)
    schools = list(Establishment.objects.filter(uai__startswith=SCALE_UAI_PREFIX))
    counts = {}
    with transaction.atomic():
        if "homework" in urls:
            counts["homework entries"] = seed_homework(list(teachings.values()))
        if "assignments" in urls:
            counts["assignments"] = seed_assignments(list(teachings.values()))
        if "news" in urls:
            counts["news items"] = seed_news(schools)
    return counts


def seed_homework(teachings: list) -> int:
    from datetime import timedelta

    from django.utils import timezone

    from lien.homework import services

    today = timezone.localdate()
    print(f"== cahier de textes : {len(teachings)} séances", file=sys.stderr)
    for teaching in teachings:
        services.do_create_entries(
            teaching.teacher.user,
            teaching.teacher,
            [teaching.school_class],
            services.EntryDraft(
                subject=teaching.subject,
                lesson_date=today,
                content="Correction des exercices ; début du chapitre 4.",
                visible_from=today,
                title="Chapitre 4",
            ),
            [
                services.WorkDraft(
                    title="Exercices 3 et 4 p. 52",
                    due_date=today + timedelta(days=2),
                    estimated_minutes=30,
                )
            ],
        )
    return len(teachings)


def seed_assignments(teachings: list) -> int:
    from datetime import timedelta

    from django.utils import timezone

    from lien.assignments import services

    print(f"== devoirs : {len(teachings)}", file=sys.stderr)
    for teaching in teachings:
        services.check_save_assignment(
            teaching.teacher.user,
            services.AssignmentData(
                teaching=teaching,
                title="Rédaction : mes vacances",
                instructions="Une page, à rendre en fichier.",
                deadline=timezone.now() + timedelta(days=7),
            ),
        )
    return len(teachings)


def seed_news(schools: list) -> int:
    from lien.core.models import Profile
    from lien.news import services
    from lien.news.models import Audience

    titles = ("Reprise des cours lundi", "Réunion parents-professeurs")
    print(f"== actualités : {len(titles) * len(schools)}", file=sys.stderr)
    for school in schools:
        direction = Profile.objects.get(
            establishment=school,
            role=Profile.Role.STAFF,
            staff_function=Profile.StaffFunction.DIRECTION,
        ).user
        for title in titles:
            services.check_save_item(
                direction,
                school,
                services.ItemDraft(
                    title=title,
                    body="Les informations pratiques sont jointes à cette actualité.",
                    audiences=[Audience(kind=Audience.Kind.ESTABLISHMENT)],
                ),
                publish=True,
            )
    return len(titles) * len(schools)


def wait_for_celery(timeout: float = 300.0) -> float:
    """Wait until the Celery worker has done what the seeding gave it (events, e-mails): the
    load must not share the cores with it. Returns the wait in seconds."""
    import redis
    from django.conf import settings

    from lien.celery import app

    queue = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] + "celery"
    client = redis.Redis.from_url(REDIS_URL)
    started = time.monotonic()
    while True:
        active = app.control.inspect(timeout=2).active() or {}
        if not client.llen(queue) and not any(active.values()):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            sys.exit(f"the Celery worker still has work after {timeout:.0f} s")
        time.sleep(1)


def sample_users(role: str, count: int) -> list:
    """`count` activated accounts holding a profile of this role in the district (or as many as
    there are), in a fixed random order."""
    from django.contrib.auth import get_user_model

    from lien.core.management.commands.seed_scale import SCALE_UAI_PREFIX

    ids = sorted(
        get_user_model()
        .objects.filter(
            profiles__role=role,
            profiles__establishment__uai__startswith=SCALE_UAI_PREFIX,
            activated_at__isnull=False,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    random.Random(2026).shuffle(ids)
    chosen = ids[:count]
    by_id = get_user_model().objects.in_bulk(chosen)
    return [by_id[pk] for pk in chosen]


def open_sessions(users: list) -> list[dict]:
    """A session per user, as a login leaves it (in the cache and the database): its cookie.
    One transaction for all: the logins' commits would otherwise take most of the time."""
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    name = settings.SESSION_COOKIE_NAME
    cookies = []
    with transaction.atomic():
        for user in users:
            client = Client(HTTP_HOST=HOST)
            client.force_login(user)
            cookies.append({name: client.cookies[name].value})
    return cookies


def give_passwords(users: list) -> list[dict]:
    for user in users:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return [{"username": user.username, "password": PASSWORD} for user in users]


def page_urls() -> dict[str, str]:
    """The pages the journeys use; the optional ones only when their URL exists."""
    from django.urls import NoReverseMatch, reverse

    urls = {
        "login": reverse("accounts:login"),
        "home": reverse("home:index"),
        "inbox": reverse("messaging:inbox"),
        "compose": reverse("messaging:compose"),
    }
    for key, name in OPTIONAL_URLS.items():
        try:
            urls[key] = reverse(name)
        except NoReverseMatch:
            continue
    return urls


def database_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return round(cursor.fetchone()[0] / 1024 / 1024, 1)


def password_check_ms(data: dict) -> float:
    """One check of a right password (Argon2, as configured), median of 5, in this process."""
    from django.contrib.auth import get_user_model

    account = data["roles"]["parent"]["accounts"][0]
    user = get_user_model().objects.get(username=account["username"])
    timings = []
    for _ in range(5):
        started = time.process_time()
        assert user.check_password(account["password"])
        timings.append(time.process_time() - started)
    return round(1000 * statistics.median(timings), 1)


# --- Memory ---------------------------------------------------------------------------------------


def read_proc(pid: int) -> dict | None:
    """Name, command line, RSS, PSS and high-water mark (kB) of a process; None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    utime, stime = stat[stat.rindex(")") + 2 :].split()[11:13]
    pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
    return {
        "name": fields.get("Name", "").strip(),
        "cmdline": cmdline.strip(),
        "ppid": int(fields.get("PPid", "0")),
        "rss": int(fields.get("VmRSS", "0 kB").split()[0]),
        "hwm": int(fields.get("VmHWM", "0 kB").split()[0]),
        "pss": int(pss.group(1)) if pss else 0,
        "ticks": int(utime) + int(stime),
    }


class MemorySampler:
    """Samples, every second, the memory of every process of the stack (stack.pids()), of the
    PostgreSQL server (its own processes and the backends of this database) and of Redis; read
    only. Keeps each process's peak and the peak of the whole."""

    def __init__(self, stack: Stack, database: str, interval: float = 1.0):
        self.stack = stack
        self.database = database
        self.interval = interval
        self.peaks: dict[int, dict] = {}
        self.total_peak = {"rss": 0, "pss": 0, "at": 0.0, "by_label": {}}
        self.samples = 0
        self.extra_pids: set[int] = set()  # Locust, sampled apart from the stack
        self.cpu_seconds = 0.0  # CPU time used by the stack's processes since the start
        self._cpu_ticks: dict[int, int] = {}
        self.extra_peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        return {
            "processes": self.peaks,
            "total": self.total_peak,
            "samples": self.samples,
            "locust_peak_rss": self.extra_peak_rss,
        }

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def labelled_pids(self) -> dict[int, str]:
        labels = {}
        groups = process_groups()
        for part in self.stack.parts:
            if part.process is None:
                continue
            leader = part.process.pid
            for pid in groups.get(leader, []):
                labels[pid] = part_label(part.name, self.stack, pid == leader)
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm == "redis-server":
                labels[int(entry.name)] = "Redis"
            elif comm == "postgres":
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                label = postgres_label(cmdline, self.database)
                if label:
                    labels[int(entry.name)] = label
        return labels

    def sample(self) -> None:
        labels = self.labelled_pids()
        now = time.time()
        total_rss = total_pss = 0
        by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for pid, label in labels.items():
            info = read_proc(pid)
            if info is None:
                continue
            # The high-water mark of a process started with the stack is its own; the server
            # processes of PostgreSQL and Redis are older (and shared): their samples only.
            own = not label.startswith(("PostgreSQL", "Redis"))
            peak = max(info["rss"], info["hwm"]) if own else info["rss"]
            known = self.peaks.setdefault(pid, {"label": label, "rss": 0, "pss": 0})
            known["rss"] = max(known["rss"], peak)
            known["pss"] = max(known["pss"], info["pss"])
            total_rss += info["rss"]
            total_pss += info["pss"]
            ticks = info["ticks"]
            self.cpu_seconds += (ticks - self._cpu_ticks.get(pid, ticks)) / CLOCK_TICKS
            self._cpu_ticks[pid] = ticks
            entry = by_label[label]
            entry[0] += 1
            entry[1] += info["rss"]
            entry[2] += info["pss"]
        for pid in list(self.extra_pids):
            info = read_proc(pid)
            if info is None:
                self.extra_pids.discard(pid)
            else:
                self.extra_peak_rss = max(self.extra_peak_rss, info["rss"])
        self.samples += 1
        if total_pss > self.total_peak["pss"]:
            self.total_peak = {
                "rss": total_rss,
                "pss": total_pss,
                "at": now,
                "by_label": dict(by_label),
            }


def part_label(name: str, stack: Stack, leader: bool) -> str:
    if name == "web":
        return f"{stack.wsgi_server} ({'master' if leader else 'worker'})"
    if name == "nginx":
        return f"nginx ({'master' if leader else 'worker'})"
    if name == "worker":
        return f"Celery worker ({'main' if leader else 'pool child'})"
    return {"asgi": stack.asgi_server, "beat": "Celery beat"}[name]


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def _group_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[2])


def postgres_label(cmdline: str, database: str) -> str | None:
    """The PostgreSQL processes that serve this database: the server's own (postmaster,
    checkpointer, writers, launchers) and the backends connected to this database."""
    if not cmdline.startswith("postgres:"):
        return "PostgreSQL (postmaster)"
    words = cmdline.split()
    if database in words:
        return "PostgreSQL (backend of this database)"
    kinds = (
        "checkpointer",
        "background writer",
        "walwriter",
        "autovacuum launcher",
        "logical replication launcher",
        "archiver",
        "stats collector",
    )
    if any(kind in cmdline for kind in kinds):
        return "PostgreSQL (server processes)"
    return None


# --- Load -----------------------------------------------------------------------------------------


def scrape(stack: Stack) -> dict:
    """The stack's Prometheus metrics (from gunicorn itself, on loopback): per URL name, the
    count and sum of the in-Django durations and their buckets."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(stack.web_url + "/exploitation/metriques/", timeout=30) as answer:
        text = answer.read().decode()
    routes: dict[str, dict] = defaultdict(lambda: {"count": 0.0, "sum": 0.0, "buckets": {}})
    for family in text_string_to_metric_families(text):
        if family.name != "lien_http_route_duration_seconds":
            continue
        for sample in family.samples:
            route = routes[sample.labels["route"]]
            if sample.name.endswith("_count"):
                route["count"] = sample.value
            elif sample.name.endswith("_sum"):
                route["sum"] = sample.value
            elif sample.name.endswith("_bucket"):
                route["buckets"][float(sample.labels["le"])] = sample.value
    return dict(routes)


def scrape_delta(before: dict, after: dict) -> dict:
    delta = {}
    for route, now in after.items():
        then = before.get(route, {"count": 0.0, "sum": 0.0, "buckets": {}})
        count = now["count"] - then["count"]
        if count <= 0:
            continue
        delta[route] = {
            "count": count,
            "mean_ms": 1000 * (now["sum"] - then["sum"]) / count,
            "buckets": {le: v - then["buckets"].get(le, 0.0) for le, v in now["buckets"].items()},
        }
    return delta


def bucket_quantile(buckets: dict[float, float], q: float) -> float:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket, in ms."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if math.isinf(bound):
                return 1000 * lower
            inside = buckets[bound] - below
            return 1000 * (lower + (bound - lower) * (rank - below) / inside if inside else bound)
        lower, below = bound, buckets[bound]
    return 1000 * lower


def measure_ceilings(stack: Stack, args) -> list[dict]:
    """wrk, one thread, 8 keep-alive connections: nginx serving a static file alone, and the
    trivial view `/sante/` through nginx and gunicorn."""
    from django.templatetags.static import static
    from django.urls import reverse

    results = []
    for key, label, path in (
        ("static", "static file (nginx alone)", static("lien/lien.css")),
        ("health", "trivial view `/sante/`", reverse("health")),
    ):
        url = stack.url + path
        subprocess.run([WRK, "-t1", "-c8", "-d2s", url], capture_output=True, check=True)
        before = scrape(stack)
        output = subprocess.run(
            [WRK, "-t1", "-c8", f"-d{args.wrk_seconds}s", "--latency", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        django_time = scrape_delta(before, scrape(stack)).get("health", {}).get("mean_ms")
        result = parse_wrk(output)
        result.update(key=key, label=label, django_ms=django_time)
        print(f"== {label}: {result['rps']:.0f} requêtes/s", file=sys.stderr)
        results.append(result)
    return results


def run_locust(
    stack: Stack,
    name: str,
    users: int,
    think: float,
    seconds: int,
    ramp: int,
    sampler: MemorySampler | None = None,
) -> dict:
    log = VAR_DIR / f"requests-{name}.csv"
    env = {
        **os.environ,
        "SURGE_CONFIG": str(VAR_DIR / "config.json"),
        "SURGE_LOG": str(log),
        "SURGE_THINK_SECONDS": str(think),
    }
    command = [
        str(LOCUST),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(1, math.ceil(users / max(1, ramp)))),
        "-t",
        f"{seconds}s",
        "--host",
        stack.url,
        "--csv",
        str(VAR_DIR / f"locust-{name}"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print(f"== Locust {name}: {users} utilisateurs, {seconds} s", file=sys.stderr)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    with (VAR_DIR / f"locust-{name}.log").open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        if sampler is not None:
            sampler.extra_pids.add(process.pid)
        try:
            process.wait(timeout=seconds + 90)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    elapsed = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"log": log, "locust_cpu": cpu / seconds, "elapsed": elapsed, "exit": process.returncode}


def run_level(
    stack: Stack, sampler: MemorySampler, name: str, args, users: int, think: float
) -> dict:
    seconds = args.capacity_seconds if think == 0 else args.level_seconds
    ramp = 0 if think == 0 else args.ramp_seconds
    before = scrape(stack)
    stack_cpu, (busy, total) = sampler.cpu_seconds, machine_cpu()
    load = os.getloadavg()[0]
    run = run_locust(stack, name, users, think, seconds, ramp, sampler)
    busy_after, total_after = machine_cpu()
    cpu = {
        "stack": (sampler.cpu_seconds - stack_cpu) / run["elapsed"],
        "machine": (busy_after - busy) / (total_after - total) * (os.cpu_count() or 1),
        "load": load,
    }
    routes = scrape_delta(before, scrape(stack))
    rows = read_log(run["log"])
    first = min((row["start"] for row in rows), default=time.time())
    window = (first + ramp, first + seconds)
    # A closed loop is measured after its first 5 s (the caches warm up).
    if think == 0:
        window = (first + 5, first + seconds)
    level = analyse(rows, window)
    level.update(
        name=name,
        users=users,
        think=think,
        seconds=seconds,
        ramp=ramp,
        routes=routes,
        locust_cpu=run["locust_cpu"],
        cpu=cpu,
        rows=rows,
        first=first,
        offered=users / think if think else None,
    )
    waiting = routes.get("unmatched")
    level["waiting_django_p99"] = bucket_quantile(waiting["buckets"], 0.99) if waiting else None
    level["waiting_django_mean"] = waiting["mean_ms"] if waiting else None
    print(
        f"   {name}: {level['all']['goodput']:.0f} pages/s servies, "
        f"{level['all']['waited']} attentes, {level['all']['errors']} erreurs",
        file=sys.stderr,
    )
    return level


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as source:
        return [
            {
                "start": float(row["start"]),
                "role": row["role"],
                "page": row["page"],
                "status": int(row["status"]),
                "outcome": row["outcome"],
                "latency": float(row["latency_ms"]),
            }
            for row in csv.DictReader(source)
        ]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(rows: list[dict], duration: float) -> dict:
    ok = [row["latency"] for row in rows if row["outcome"] == "ok"]
    waited = [row["latency"] for row in rows if row["outcome"] == "waited"]
    by_outcome = defaultdict(int)
    for row in rows:
        by_outcome[row["outcome"]] += 1
    return {
        "requests": len(rows),
        "rps": len(rows) / duration,
        "ok": len(ok),
        "goodput": len(ok) / duration,
        "p50": percentile(ok, 50),
        "p95": percentile(ok, 95),
        "p99": percentile(ok, 99),
        "waited": len(waited),
        "waited_rps": len(waited) / duration,
        "waited_p99": percentile(waited, 99),
        "5xx": by_outcome["5xx"],
        "4xx": by_outcome["4xx"],
        "timeout": by_outcome["timeout"],
        "connection": by_outcome["connection"],
        "errors": by_outcome["5xx"]
        + by_outcome["4xx"]
        + by_outcome["timeout"]
        + by_outcome["connection"],
    }


def analyse(rows: list[dict], window: tuple[float, float]) -> dict:
    duration = window[1] - window[0]
    inside = [row for row in rows if window[0] <= row["start"] < window[1]]
    roles = defaultdict(list)
    pages = defaultdict(list)
    for row in inside:
        roles[row["role"]].append(row)
        pages[row["page"]].append(row)
    return {
        "window": duration,
        "all": summarize(inside, duration),
        "roles": {role: summarize(r, duration) for role, r in roles.items()},
        "pages": {page: summarize(r, duration) for page, r in pages.items()},
    }


# --- Soak -----------------------------------------------------------------------------------------


def run_soak(args, capacity: dict) -> dict:
    """A steady load (80 % of the capacity) for `--soak-minutes` on a stack whose gunicorn
    workers are never recycled (GUNICORN_MAX_REQUESTS=0): each worker's memory every minute."""
    users = max(1, round(0.8 * capacity["all"]["goodput"] * args.think_seconds))
    stack = Stack(
        port=free_port(),
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        workers=args.workers,
        var_dir=VAR_DIR,
        env=stack_env(args, GUNICORN_MAX_REQUESTS="0"),
    )
    minutes: list[dict] = []
    with stack:
        web = next(part for part in stack.parts if part.name == "web")
        stop = threading.Event()

        def every_minute() -> None:
            started = time.monotonic()
            while True:
                workers = {}
                for pid in stack.pids():
                    info = read_proc(pid)
                    if info and pid != web.process.pid and _group_of(pid) == web.process.pid:
                        workers[pid] = round(info["rss"] / 1024, 1)
                minutes.append(
                    {"minute": round((time.monotonic() - started) / 60), "workers": workers}
                )
                if stop.wait(60):
                    return

        watcher = threading.Thread(target=every_minute, daemon=True)
        watcher.start()
        run = run_locust(
            stack, "soak", users, args.think_seconds, args.soak_minutes * 60, args.ramp_seconds
        )
        stop.set()
        watcher.join()
    rows = read_log(run["log"])
    first = min((row["start"] for row in rows), default=0.0)
    result = analyse(rows, (first + args.ramp_seconds, first + args.soak_minutes * 60))
    return {"users": users, "minutes": minutes, "level": result, "locust_cpu": run["locust_cpu"]}


def soak_growth(soak: dict) -> dict[int, float]:
    """MB per 10 minutes for each worker, from the second half of the soak (the first half
    fills the caches)."""
    series: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for entry in soak["minutes"]:
        for pid, mb in entry["workers"].items():
            series[pid].append((entry["minute"], mb))
    growth = {}
    for pid, points in series.items():
        half = points[len(points) // 2 :]
        if len(half) >= 2 and half[-1][0] > half[0][0]:
            growth[pid] = 10 * (half[-1][1] - half[0][1]) / (half[-1][0] - half[0][0])
    return growth


# --- Charts ---------------------------------------------------------------------------------------


def draw_chart(level: dict) -> str:
    """Latency over time per role (p50 and p95 of the pages served, 5 s bins) and the pages
    served and waiting pages per second, as a small PNG; returns its path from the root."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows, first = level["rows"], level["first"]
    bin_seconds = 5
    colours = {
        "parent": "tab:blue",
        "student": "tab:green",
        "teacher": "tab:red",
        "staff": "tab:purple",
    }
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(8, 5), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    for role, colour in colours.items():
        bins: dict[int, list[float]] = defaultdict(list)
        for row in rows:
            if row["role"] == role and row["outcome"] == "ok":
                bins[int((row["start"] - first) // bin_seconds)].append(row["latency"])
        if not bins:
            continue
        xs = sorted(bins)
        top.plot(
            [x * bin_seconds for x in xs],
            [percentile(bins[x], 95) for x in xs],
            color=colour,
            label=f"{role} p95",
        )
        top.plot(
            [x * bin_seconds for x in xs],
            [percentile(bins[x], 50) for x in xs],
            color=colour,
            linestyle=":",
            linewidth=1,
            label=f"{role} p50",
        )
    top.axhline(TEACHER_P95_MS, color="grey", linewidth=0.8, linestyle="--")
    top.set_yscale("log")
    top.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
    top.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    top.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    for axis in (top, bottom):
        if level["ramp"]:
            axis.axvspan(0, level["ramp"], color="0.92", zorder=0)
    top.set_ylabel("latency (ms)")
    top.legend(fontsize=7, ncol=4, loc="upper left")
    title = (
        "capacity (closed loop)"
        if level["think"] == 0
        else (f"{level['factor']:g}× capacity offered ({level['users']} users)")
    )
    top.set_title(
        f"Surge, {title}: latency of the pages served, per role (grey: arrivals)", fontsize=10
    )
    served: dict[int, int] = defaultdict(int)
    waited: dict[int, int] = defaultdict(int)
    for row in rows:
        second = int(row["start"] - first)
        if row["outcome"] == "ok":
            served[second] += 1
        elif row["outcome"] == "waited":
            waited[second] += 1
    last = max([*served, *waited, 0])
    seconds = list(range(last + 1))
    bottom.plot(
        seconds, [served[s] for s in seconds], color="black", linewidth=0.8, label="pages served/s"
    )
    bottom.plot(
        seconds,
        [waited[s] for s in seconds],
        color="orange",
        linewidth=0.8,
        label="waiting pages/s",
    )
    bottom.set_xlabel("seconds since the first request")
    bottom.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    path = CHART_DIR / f"surge-{level['name']}.png"
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return str(path.relative_to(ROOT))


# --- Report ---------------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.0f} ms"


def mb(kilobytes: float) -> str:
    return f"{kilobytes / 1024:,.0f} MB"


def missed_targets(levels: list[dict], memory: dict) -> list[str]:
    capacity = levels[0]["all"]["goodput"]
    missed = []
    for level in levels[1:]:
        total = level["all"]
        name = level["name"]
        if total["5xx"] or total["timeout"] or total["connection"]:
            missed.append(f"{name}: 5xx, timeouts or connection errors")
        if total["goodput"] < GOODPUT_AIM * capacity:
            missed.append(f"{name}: goodput {100 * total['goodput'] / capacity:.0f} %")
        teacher = level["roles"].get("teacher", {}).get("p95")
        if teacher is not None and teacher >= TEACHER_P95_MS:
            missed.append(f"{name}: teachers' p95 {teacher:.0f} ms")
        if total["waited_p99"] is not None and total["waited_p99"] >= WAITING_P99_MS:
            missed.append(f"{name}: waiting page p99 {total['waited_p99']:.0f} ms")
    if memory["total"]["pss"] / 1024 > MEMORY_LIMIT_MB:
        missed.append(f"memory {mb(memory['total']['pss'])}")
    return missed


def verdict(ok: bool) -> str:
    return "✓" if ok else "**✗**"


def render(args, data, ceilings, levels, memory, soak) -> str:
    capacity = levels[0]
    rows = data["rows"]
    urls = data["urls"]
    journeys = [
        "log in (form, password check; a share of the users)",
        "home page",
        "inbox",
        "read a message",
        "write and send a message (compose, post, next page)",
    ]
    optional = {
        "homework": "homework log (the week of a class or of a child; a pupil is sent to theirs)",
        "todo": "to-do list (pupils and parents)",
        "assignments": "assignments: open one; a pupil hands in a file",
        "news": "news",
    }
    absent = [label for key, label in optional.items() if key not in urls]
    journeys += [label for key, label in optional.items() if key in urls]
    lines = [
        START,
        "## Surge: the Monday 8 a.m. rush on a seeded district (Locust, production stack)",
        "",
        f"- Command: `{COMMAND}` (`--establishments {args.establishments} --students "
        f"{args.students} --workers {args.workers} --sessions {args.sessions} --think-seconds "
        f"{args.think_seconds:g} --capacity-seconds {args.capacity_seconds} --levels "
        f"{args.levels} --level-seconds {args.level_seconds} --max-queue-delay-ms "
        f"{args.max_queue_delay_ms} --max-in-flight {args.max_in_flight}`"
        + (f" `--soak-minutes {args.soak_minutes}`" if args.soak_minutes else "")
        + ")",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "- Stack: `scripts/prodstack.py`: nginx, gunicorn "
        f"({args.workers} sync workers, recycled every ~2,000 requests as "
        "`deploy/gunicorn.conf.py` says), daphne, a Celery worker and beat, PostgreSQL 15 "
        "(database `lien_bench_surge`), Redis; production settings over plain HTTP on loopback. "
        f"Priority admission on: `LIEN_ADMISSION_MAX_QUEUE_DELAY_MS={args.max_queue_delay_ms}` "
        "(parents wait beyond 75 % of it, pupils 90 %, staff and teachers 100 %), "
        f"`LIEN_ADMISSION_MAX_IN_FLIGHT={args.max_in_flight}` (with sync workers, no more "
        "requests than workers are ever in flight inside Django: the queue is in gunicorn's "
        "backlog, which only the queueing delay sees). Login gate at its defaults.",
        f"- District: `seed_scale`, {rows['établissements']} establishments, "
        f"{rows['élèves']:,} pupils, {rows['parents']:,} parents, {rows['enseignants']:,} "
        f"teachers, {rows['personnels']:,} staff ({rows['comptes']:,} accounts) in "
        f"{data['seed_seconds']} s; {data['messages']['sent']} messages from the directions to "
        f"their whole establishment ({data['messages']['deliveries']:,} deliveries) in "
        f"{data['message_seconds']} s; "
        + "".join(f"{count:,} {name}, " for name, count in data["content"].items())
        + f"in {data['content_seconds']} s (through each app's services); database "
        f"{data['database_mb']} MB; the Celery worker then finished the e-mails and events of "
        f"the seeding in {data['celery_wait_seconds']} s before any load. " + seed_note(args),
        f"- People: {sum(len(r['sessions']) for r in data['roles'].values()):,} sessions opened "
        "in advance (`Client.force_login`, in "
        f"{data['session_seconds']} s with the passwords below) for parents, pupils, teachers and "
        "staff in proportion; "
        f"{100 * args.login_share:g} % of the users log in for real instead, through the form, "
        f"with one of {args.password_accounts} accounts per role given a password "
        f"(Argon2: {data['password_check_ms']} ms of CPU per check here). Users per role: "
        + ", ".join(f"{role} {weight} %" for role, weight in ROLES.items())
        + ".",
        "- Journeys (bench/locust/surge.py), each visit starting on the home page: "
        + "; ".join(journeys)
        + ". "
        + ("Not run (no such pages yet): " + ", ".join(absent) + "; " if absent else "")
        + "opening a document resource: not run, resources (issue 5) do not exist yet.",
        "- Load: Locust (FastHttpUser, one process on the same 2 cores). Capacity: a closed "
        f"loop of {args.capacity_users} users without think time for {args.capacity_seconds} s "
        "(measured after its first 5 s), each user playing one person after another (10 visits "
        "each, roles in the proportions below). Surge: an open loop, each user asking for a "
        f"page every {args.think_seconds:g} s (`constant_throughput`) whatever the answer "
        "time; users = "
        f"factor × capacity × {args.think_seconds:g} s, all arrived within "
        f"{args.ramp_seconds} s, {args.level_seconds} s per level, measured after the arrival. "
        "A waiting page (503 + Retry-After) counts as *waited*, not as an error: the user asks "
        "again after Retry-After seconds, as the page's meta refresh does. Each Locust user "
        f"stands for several people: a real person's think time is longer than "
        f"{args.think_seconds:g} s, and there are more of them.",
        "",
        "### Ceilings (same run, before the surge)",
        "",
        f"wrk, one thread, 8 keep-alive connections, {args.wrk_seconds} s each after 2 s of "
        "warm-up.",
        "",
        "| URL | requests/s | p50 | p90 | p99 | non-2xx | time inside Django |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in ceilings:
        lines.append(
            f"| {c['label']} | {c['rps']:,.0f} | {c['p50']:.1f} ms | {c['p90']:.1f} ms | "
            f"{c['p99']:.1f} ms | {c['non_2xx']} | "
            + (f"{c['django_ms']:.2f} ms |" if c.get("django_ms") else "— |")
        )
    by_key = {c["key"]: c for c in ceilings}
    cap = capacity["all"]["goodput"]
    per_cpu = cap / capacity["cpu"]["stack"]
    cores = os.cpu_count() or 2
    lines += [
        "",
        "### Levels",
        "",
        "Goodput: requests answered with a page (2xx/3xx: page views, form posts and the "
        "redirects after them; not a waiting page) per second. Offered: what the users would ask "
        "for if every page came at once (users ÷ think time). CPU, in % of one core (200 % = the "
        "machine): the stack's processes (PostgreSQL and Redis included), Locust, and the whole "
        "machine, other work included; then the load average before the level.",
        "",
        "| level | users | offered pages/s | requests/s | goodput | ÷ capacity "
        "| waiting pages/s | 5xx / timeouts / connection errors / 4xx "
        "| CPU: stack / Locust / machine (load) | goodput per CPU-second of the stack |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        a, cpu = level["all"], level["cpu"]
        offered = f"{level['offered']:,.0f}" if level["offered"] else "closed loop"
        efficiency = a["goodput"] / cpu["stack"] if cpu["stack"] else 0.0
        lines.append(
            f"| {level['name']} | {level['users']:,} | {offered} | {a['rps']:,.0f} | "
            f"{a['goodput']:,.0f} | {100 * a['goodput'] / cap:.0f} % | {a['waited_rps']:,.1f} | "
            f"{a['5xx']} / {a['timeout']} / {a['connection']} / {a['4xx']} | "
            f"{100 * cpu['stack']:.0f} % / {100 * level['locust_cpu']:.0f} % / "
            f"{100 * cpu['machine']:.0f} % ({cpu['load']:.1f}) | {efficiency:,.0f} "
            f"({100 * efficiency / per_cpu:.0f} %) |"
        )
    lines += [
        "",
        f"Capacity for this mix, as measured: **{cap:,.0f} pages/s** "
        f"({cap / by_key['health']['rps']:.2f} × the trivial view's requests/s, "
        f"{cap / by_key['static']['rps']:.3f} × the static file's), with "
        f"{100 * capacity['cpu']['stack']:.0f} % of a core for the stack. That is "
        f"{per_cpu:,.0f} pages per CPU-second: **about {per_cpu * cores:,.0f} pages/s** for a "
        f"machine of {cores} cores that runs Lien alone (the stack is CPU-bound; this machine "
        "was shared with Locust and with other work during the run, as the CPU columns show).",
        "",
    ]
    lines += targets_lines(levels)
    lines += [
        "",
        "### Per role",
        "",
        "| level | role | requests | pages served/s | p50 | p95 | p99 | waiting pages | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        for role in ROLES:
            r = level["roles"].get(role)
            if r:
                lines.append(
                    f"| {level['name']} | {role} | {r['requests']:,} | {r['goodput']:,.1f} | "
                    f"{ms(r['p50'])} | {ms(r['p95'])} | {ms(r['p99'])} | {r['waited']:,} | "
                    f"{r['errors']} |"
                )
    lines += page_lines(levels, by_key, args)
    lines += ["", "### Latency over time", ""]
    for level in levels:
        lines.append(f"![{level['name']}]({level['chart']})")
    lines += ["", *memory_lines(memory)]
    if soak:
        lines += ["", *soak_lines(soak, args)]
    lines += ["", *estimate_lines(data, cap, per_cpu * cores, args), END]
    return "\n".join(lines) + "\n"


def seed_note(args) -> str:
    if args.students >= 20000:
        return ""
    return f"(A smaller district than the issue's 20,000 pupils: `--students {args.students}`.) "


def targets_lines(levels: list[dict]) -> list[str]:
    cap = levels[0]["all"]["goodput"]
    cap_per_cpu = cap / levels[0]["cpu"]["stack"]
    lines = [
        "| target | " + " | ".join(level["name"] for level in levels[1:]) + " |",
        "|---|" + "---|" * len(levels[1:]),
    ]

    def row(label, check) -> str:
        return f"| {label} | " + " | ".join(check(level) for level in levels[1:]) + " |"

    def no_failures(level):
        a = level["all"]
        bad = a["5xx"] + a["timeout"] + a["connection"]
        return f"{verdict(bad == 0)} {bad}"

    def goodput(level):
        share = level["all"]["goodput"] / cap
        per_cpu = (level["all"]["goodput"] / level["cpu"]["stack"]) / cap_per_cpu
        return (
            f"{verdict(share >= GOODPUT_AIM)} {100 * share:.0f} % "
            f"({100 * per_cpu:.0f} % per CPU-second)"
        )

    def teachers(level):
        p95 = level["roles"].get("teacher", {}).get("p95")
        return f"{verdict(p95 is not None and p95 < TEACHER_P95_MS)} {ms(p95)}"

    def waiting(level):
        client, inside = level["all"]["waited_p99"], level["waiting_django_p99"]
        if client is None:
            return "no waiting page"
        return (
            f"{verdict(client < WAITING_P99_MS)} {ms(client)} at the client; "
            f"{ms(inside)} inside Django (mean {ms(level['waiting_django_mean'])})"
        )

    lines.append(row("no 5xx, no timeouts, no connection errors", no_failures))
    lines.append(row(f"goodput ≥ {100 * GOODPUT_AIM:.0f} % of capacity", goodput))
    lines.append(row(f"teachers' p95 < {TEACHER_P95_MS} ms", teachers))
    lines.append(row(f"waiting page p99 < {WAITING_P99_MS} ms", waiting))
    return [
        *lines,
        "",
        "Waiting page inside Django: Prometheus' estimate (`histogram_quantile`) over the "
        "requests answered before any URL was resolved (the admission's waiting pages, and any "
        "404), from the time Django got the request; at the client, the time nginx and "
        "gunicorn's backlog kept it is added, and that is where a waiting page waits.",
    ]


def page_lines(levels: list[dict], by_key: dict, args) -> list[str]:
    """Per page and level; then, from the capacity run, each URL's worker time and the
    throughput it would have alone, against the ceilings."""
    lines = [
        "",
        "### Per page",
        "",
        "| level | page | requests | served/s | p50 | p95 | p99 | waiting pages | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        for page, p in sorted(level["pages"].items(), key=lambda item: -item[1]["requests"]):
            lines.append(
                f"| {level['name']} | {page} | {p['requests']:,} | {p['goodput']:,.1f} | "
                f"{ms(p['p50'])} | {ms(p['p95'])} | {ms(p['p99'])} | {p['waited']:,} | "
                f"{p['errors']} |"
            )
    health = by_key["health"]
    overhead = args.workers / health["rps"] * 1000 - (health["django_ms"] or 0)
    names = [level["name"] for level in levels]
    lines += [
        "",
        "Each URL's time inside Django (Prometheus, `lien_http_route_duration_seconds`, mean) at "
        "each level; `unmatched` is the waiting page (answered before any URL is resolved). "
        "Its throughput against the ceilings, from the capacity run: its time inside Django plus "
        f"what a request costs outside Django as measured on `/sante/` ({overhead:.2f} ms of "
        f"worker time: {args.workers} workers ÷ its requests/s, less its time inside Django) "
        "gives the requests/s it would have alone on these workers (an estimate).",
        "",
        "| URL name | requests (capacity) | "
        + " | ".join(f"inside Django, {name}" for name in names)
        + " | alone (est.) | ÷ `/sante/` | ÷ static file |",
        "|---|---:|" + "---:|" * len(names) + "---:|---:|---:|",
    ]
    routes = levels[0]["routes"]
    for route, r in sorted(routes.items(), key=lambda item: -item[1]["count"]):
        if route in {"ops:metrics", "health"}:
            continue
        alone = args.workers * 1000 / (r["mean_ms"] + overhead)
        times = [level["routes"].get(route, {}).get("mean_ms") for level in levels]
        lines.append(
            f"| `{route}` | {r['count']:,.0f} | "
            + " | ".join("—" if t is None else f"{t:.1f} ms" for t in times)
            + f" | {alone:,.0f}/s | {alone / health['rps']:.2f} | "
            f"{alone / by_key['static']['rps']:.3f} |"
        )
    return lines


def memory_lines(memory: dict) -> list[str]:
    total = memory["total"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for process in memory["processes"].values():
        groups[process["label"]].append(process)
    lines = [
        "### Memory during the ceilings, the capacity run and the surge",
        "",
        f"Sampled every second from /proc ({memory['samples']} samples): VmRSS and VmHWM of every "
        "process of the stack (`Stack.pids()`), the PostgreSQL server's own processes and its "
        "backends connected to this database, and Redis. RSS counts the memory shared between "
        "processes (forked workers, PostgreSQL's shared buffers) once in each; PSS shares it out, "
        "so the sum of PSS is the stack's real footprint. PostgreSQL and Redis are system "
        "services that other work on this machine uses too.",
        "",
        "| process | processes seen | peak RSS of one | RSS at the total's peak | "
        "PSS at the total's peak |",
        "|---|---:|---:|---:|---:|",
    ]
    for label in sorted(groups):
        at_peak = total["by_label"].get(label, [0, 0, 0])
        lines.append(
            f"| {label} | {len(groups[label])} | {mb(max(p['rss'] for p in groups[label]))} | "
            f"{mb(at_peak[1])} | {mb(at_peak[2])} |"
        )
    lines += [
        f"| **whole stack** | {len(memory['processes'])} | | **{mb(total['rss'])}** | "
        f"**{mb(total['pss'])}** |",
        "",
        f"Target: the whole stack within {MEMORY_LIMIT_MB:,} MB: "
        f"{verdict(total['pss'] / 1024 <= MEMORY_LIMIT_MB)} {mb(total['pss'])} (PSS; "
        f"{mb(total['rss'])} counting shared pages in every process). "
        f"Locust itself (not part of the stack): {mb(memory['locust_peak_rss'])} at most.",
    ]
    return lines


def soak_lines(soak: dict, args) -> list[str]:
    growth = soak_growth(soak)
    pids = sorted({pid for entry in soak["minutes"] for pid in entry["workers"]})
    lines = [
        f"### Soak: {args.soak_minutes} minute(s) at 80 % of the capacity",
        "",
        f"A restarted stack whose gunicorn workers are never recycled (`GUNICORN_MAX_REQUESTS=0`), "
        f"{soak['users']} users as above; goodput {soak['level']['all']['goodput']:,.0f} pages/s, "
        f"{soak['level']['all']['errors']} errors. RSS of each web worker (MB), every minute:",
        "",
        "| minute | " + " | ".join(f"worker {pid}" for pid in pids) + " |",
        "|---:|" + "---:|" * len(pids),
    ]
    for entry in soak["minutes"]:
        lines.append(
            f"| {entry['minute']} | "
            + " | ".join(str(entry["workers"].get(pid, "—")) for pid in pids)
            + " |"
        )
    if growth:
        lines += [
            "",
            "Growth over the second half (the first fills the caches), per 10 minutes: "
            + ", ".join(f"worker {pid}: {value:+.1f} MB" for pid, value in sorted(growth.items()))
            + ".",
        ]
    else:
        lines += ["", "Too short a soak to tell a trend: run it for 30 minutes."]
    return lines


def estimate_lines(data: dict, measured: float, alone: float, args) -> list[str]:
    """The machines for the busiest région's day, from the capacity measured here."""
    views_per_session = DAY_PAGE_VIEWS / DAY_SESSIONS
    peak_views = DAY_PAGE_VIEWS * PEAK_HOUR_SHARE / 3600 * PEAK_FACTOR
    peak_logins = DAY_SESSIONS * PEAK_HOUR_SHARE / 3600 * PEAK_FACTOR
    check_seconds = data["password_check_ms"] / 1000
    cores = os.cpu_count() or 2
    login_machines = peak_logins * check_seconds / cores

    def machines(capacity: float) -> int:
        return math.ceil((peak_views / capacity + login_machines) / HEADROOM)

    return [
        "### How many such machines for the busiest région's day",
        "",
        f"The day: {DAY_SESSIONS:,} sessions and {DAY_PAGE_VIEWS:,} page views, so "
        f"{views_per_session:.1f} pages per session. Assumptions (constants at the top of "
        f"bench/surge.py): the busiest hour carries {100 * PEAK_HOUR_SHARE:.0f} % of the day's "
        "pages and logins (the use of a school day gathers before 9 a.m. and after school, not "
        f"over 24 hours), and its busiest minutes, around 8 a.m., run at {PEAK_FACTOR:g}× the "
        f"hour's average. Peak: **{peak_views:,.0f} pages/s** and **{peak_logins:,.0f} "
        "logins/s** (each session starts with a login: sessions end after 30 minutes idle).",
        "",
        f"- Pages: {alone:,.0f} pages/s for a machine running Lien alone (the capacity above, "
        f"from the CPU the stack used): {peak_views / alone:.1f} machines' worth at the peak.",
        f"- Logins: a password check costs {data['password_check_ms']:.0f} ms of a core "
        f"(Argon2, measured here): {peak_logins:,.0f} logins/s take "
        f"{peak_logins * check_seconds:.1f} cores, {login_machines:.1f} machines' worth (the "
        "login gate keeps them from the cores of the pages on each machine, so they must be "
        "counted on top).",
        f"- Headroom: machines planned at {100 * HEADROOM:.0f} % of their capacity, so that a "
        "peak above the estimate goes to the waiting room, not to errors.",
        "",
        f"Estimate: ({peak_views / alone:.1f} + {login_machines:.1f}) ÷ {HEADROOM:g} ≈ "
        f"**{machines(alone)} machines of {cores} cores** with everything on each "
        f"({machines(measured)} with the capacity as measured on this shared machine, "
        f"{measured:,.0f} pages/s). "
        f"Logins are {100 * login_machines / (peak_views / alone + login_machines):.0f} % of "
        "that. Caveats: one PostgreSQL per machine does not fit an installation whose people "
        "all share one database; with the database on servers of its own, each web machine "
        "keeps the CPU PostgreSQL takes here, and the count of web machines drops accordingly; "
        "the peak shares are assumptions to replace with the région's hourly statistics.",
    ]


if __name__ == "__main__":
    main()
