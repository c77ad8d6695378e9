"""`make bench`, throughput part: the inbox and a message page served by gunicorn, against a
trivial view (`/sante/`) served the same way in the same run.

Seeds one small establishment (`manage.py seed_scale`) into its own temporary SQLite database
under var/bench/throughput/ (LIEN_VAR_DIR, set below before Django loads; never the demo
database), sends messages from the direction to the parents of a class, and logs one of these
parents in (a session row, its cookie kept). Then starts gunicorn (sync workers) on that
database on a free loopback port, drives a closed-loop load at each URL in turn from this process
(threads, one request at a time each, bounded in time and in count), stops gunicorn by its PID and
writes its section of BENCHMARKS.md between its own markers. Exits with status 1 if any answer
was not a 200. Figures are only compared within one run, on one machine.
"""

import argparse
import http.client
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var" / "bench" / "throughput"
START = "<!-- bench:throughput:start -->"
END = "<!-- bench:throughput:end -->"
COMMAND = "env -u DATABASE_URL -u REDIS_URL .venv/bin/python bench/throughput.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "127.0.0.1"
AIM = 0.5
SUBJECT = "Sortie au musée"
WARM_UP = 20  # untimed requests per URL, spread over the workers

# The server and this script share one environment: the development settings (LIEN_ENV left at
# development: no HTTPS redirect, the embedded mode) with DEBUG off, the loopback host allowed,
# no Redis (in-process cache, database sessions, background jobs inline), e-mails to memory.
for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)
os.environ.update(
    LIEN_ENV="development",
    LIEN_VAR_DIR=str(VAR_DIR),
    DJANGO_SETTINGS_MODULE="lien.settings",
    DEBUG="0",
    ALLOWED_HOSTS=HOST,
    EMAIL_URL="locmem://",
    CELERY_TASK_ALWAYS_EAGER="1",
)
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from run import machine, write_report  # noqa: E402  (bench/run.py, next to this script)

from lien.core.management.commands.seed_scale import SCALE_UAI_PREFIX  # noqa: E402
from lien.core.models import Establishment, ParentLink, Profile, SchoolClass  # noqa: E402
from lien.messaging import services  # noqa: E402
from lien.messaging.models import Address, Delivery  # noqa: E402
from lien.messaging.views.mailbox import PER_PAGE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="pupils of the establishment")
    parser.add_argument("--messages", type=int, default=30, help="messages in the inbox")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed load per URL")
    parser.add_argument("--max-requests", type=int, default=50000, help="cap per URL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    shutil.rmtree(VAR_DIR, ignore_errors=True)
    (VAR_DIR / "static").mkdir(parents=True)  # STATIC_ROOT, which WhiteNoise expects to exist
    database = Path(connection.settings_dict["NAME"]).resolve()
    if database.parent != VAR_DIR.resolve():
        sys.exit(f"refusing to run outside var/bench/throughput/: {database}")
    try:
        data = seed(args)
        connection.close()  # the server's workers open their own connections
        results = serve_and_load(args, data)
    finally:
        connection.close()
        if not args.keep:
            shutil.rmtree(VAR_DIR, ignore_errors=True)
    section = render(args, data, results)
    write_report(section, START, END)
    print(section)
    if any(r["errors"] for r in results):
        sys.exit("some answers were not 200: see the table")


def seed(args) -> dict:
    call_command("migrate", verbosity=0)
    print(f"== seed_scale: 1 établissement, {args.students} élèves", file=sys.stderr)
    call_command(
        "seed_scale",
        establishments=1,
        students=args.students,
        collectivities=1,
        stdout=io.StringIO(),
    )
    school = Establishment.objects.get(uai__startswith=SCALE_UAI_PREFIX)
    direction = Profile.objects.get(
        establishment=school,
        role=Profile.Role.STAFF,
        staff_function=Profile.StaffFunction.DIRECTION,
    ).user
    school_class = SchoolClass.objects.filter(establishment=school).order_by("name")[0]
    print(f"== {args.messages} messages aux parents de {school_class.name}", file=sys.stderr)
    for index in range(args.messages):
        message = services.check_send(
            direction,
            school,
            services.Draft(
                subject=f"{SUBJECT} ({index + 1})",
                body="Bonjour,\n\nLa classe ira au musée jeudi ; merci de signer l'autorisation."
                "\n\nLa direction",
                addresses=[
                    Address(kind=Address.Kind.CLASS_PARENTS, school_class=school_class, field="to")
                ],
                idempotency_key=f"bench-throughput-{index}",
            ),
        )
    link = (
        ParentLink.objects.filter(student__enrolments__school_class=school_class)
        .select_related("parent__user")
        .order_by("parent__external_id")[0]
    )
    parent = link.parent.user
    inbox_size = Delivery.objects.filter(recipient=parent).count()
    assert inbox_size == args.messages, inbox_size
    client = Client(HTTP_HOST=HOST)
    client.force_login(parent)  # a session row in the database, as a real login leaves
    client.get(reverse("accounts:security"))  # a first page sets the CSRF cookie, as in a browser
    cookies = "; ".join(
        f"{name}={client.cookies[name].value}"
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    )
    return {
        "recipients": message.recipient_count,
        "class": school_class.name,
        "inbox_size": inbox_size,
        "cookie": cookies,
        "urls": [
            ("health", "trivial view `/sante/`", reverse("health"), None, "ok"),
            ("inbox", "inbox `/messagerie/`", reverse("messaging:inbox"), "parent", SUBJECT),
            (
                "message",
                "message page `/messagerie/messages/<code>/`",
                reverse("messaging:message", args=[message.code]),
                "parent",
                f"{SUBJECT} ({args.messages})",
            ),
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def serve_and_load(args, data: dict) -> list[dict]:
    port = free_port()
    log = (VAR_DIR / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(GUNICORN), "lien.wsgi:application", "-w", str(args.workers), "-b", f"{HOST}:{port}"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    print(f"== gunicorn (PID {server.pid}) sur {HOST}:{port}", file=sys.stderr)
    try:
        wait_until_up(server, port)
        results = []
        for key, label, url, who, expected in data["urls"]:
            cookie = data["cookie"] if who else None
            check_page(port, url, cookie, expected)
            load(port, url, cookie, args.threads, WARM_UP, 30.0)  # warm up every worker
            result = load(port, url, cookie, args.threads, args.max_requests, args.seconds)
            result.update(key=key, label=label, who=who or "anonymous")
            print(f"   {url}: {result['rps']:.0f} requêtes/s", file=sys.stderr)
            results.append(result)
    finally:
        server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, master then workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    return results


def wait_until_up(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{(VAR_DIR / 'gunicorn.log').read_text()}")
        try:
            if get(http.client.HTTPConnection(HOST, port, timeout=2), "/sante/", None)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not answer /sante/ within 30 s")


def get(conn: http.client.HTTPConnection, url: str, cookie: str | None) -> tuple[int, bytes]:
    headers = {"Cookie": cookie} if cookie else {}
    conn.request("GET", url, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def check_page(port: int, url: str, cookie: str | None, expected: str) -> None:
    """The page is the one meant: a 200 showing what was seeded (not a login redirect)."""
    status, body = get(http.client.HTTPConnection(HOST, port, timeout=30), url, cookie)
    if status != 200 or expected not in body.decode():
        sys.exit(f"{url}: {status}, {expected!r} not in the page")


def load(port: int, url: str, cookie: str | None, threads: int, cap: int, seconds: float) -> dict:
    """A closed loop: each thread sends its next request when the previous one has been answered,
    until `seconds` have passed or `cap` requests have been sent in all."""
    lock = threading.Lock()
    sent = 0
    started = time.perf_counter()
    deadline = started + seconds

    def client() -> tuple[list[float], int, int]:
        nonlocal sent
        # Keep-alive on the client's side; gunicorn's sync workers close each connection, which
        # http.client then reopens.
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        timings, errors, size = [], 0, 0
        while True:
            with lock:
                if sent >= cap or time.perf_counter() >= deadline:
                    break
                sent += 1
            before = time.perf_counter()
            try:
                status, body = get(conn, url, cookie)
            except (OSError, http.client.HTTPException):
                status, body = 0, b""
                conn.close()
            timings.append(time.perf_counter() - before)
            errors += status != 200
            size = len(body)
        conn.close()
        return timings, errors, size

    cpu = time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(lambda _: client(), range(threads)))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    timings = sorted(t for outcome in outcomes for t in outcome[0])
    return {
        "url": url,
        "requests": len(timings),
        "seconds": elapsed,
        "rps": len(timings) / elapsed,
        "median_ms": 1000 * statistics.median(timings),
        "p90_ms": 1000 * statistics.quantiles(timings, n=10)[8],
        "errors": sum(outcome[1] for outcome in outcomes),
        "bytes": max(outcome[2] for outcome in outcomes),
        "client_cpu": cpu / elapsed,
    }


def size(length: int) -> str:
    return f"{length} B" if length < 1024 else f"{length / 1024:.1f} KB"


def render(args, data: dict, results: list[dict]) -> str:
    by_key = {r["key"]: r for r in results}
    health = by_key["health"]
    lines = [
        START,
        "## Throughput: the inbox and a message page under gunicorn, against a trivial view",
        "",
        f"- Command: `{COMMAND}` (run by `make bench` after `bench/messaging.py`; "
        f"`--students {args.students} --messages {args.messages} --workers {args.workers} "
        f"--threads {args.threads} --seconds {args.seconds:g} --max-requests {args.max_requests}`)",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Server: `gunicorn lien.wsgi:application -w {args.workers} -b 127.0.0.1:<free port>`: "
        f"gunicorn's default sync workers, {args.workers} of them, no reverse proxy; "
        "`LIEN_ENV=development` with `DEBUG=0` and `ALLOWED_HOSTS=127.0.0.1` (no HTTPS redirect); "
        "SQLite in WAL mode (`LIEN_VAR_DIR=var/bench/throughput`, thrown away afterwards), "
        "no Redis: in-process cache, sessions in the database.",
        f"- Data: `seed_scale` with 1 establishment and {args.students} pupils; the direction "
        f"sends {args.messages} messages to the parents of {data['class']} "
        f"({data['recipients']} recipients each). The measured parent has "
        f"{data['inbox_size']} messages in the inbox (the inbox page lists the latest "
        f"{min(data['inbox_size'], PER_PAGE)}); the message page is the last message sent, "
        "read from the first request on (reading it again changes no row).",
        f"- Load: from the same machine, over loopback, {args.threads} threads of one Python "
        f"process in a closed loop (each sends its next request once the previous one is "
        f"answered), `http.client` with a keep-alive connection each (gunicorn's sync workers "
        f"close every connection, so each request reconnects); {args.seconds:g} s per URL, at "
        f"most {args.max_requests:,} requests, after {WARM_UP} untimed requests. The pages are "
        "requested with the parent's session cookie, `/sante/` anonymously. Only the HTML is "
        "fetched, not the CSS/JS.",
        "",
        f"Worker time per request = {args.workers} workers ÷ requests/s (in a closed loop with "
        "more clients than workers, the workers are never idle).",
        "",
        "| URL | who | requests | requests/s | median | p90 | non-200 | body "
        "| worker time per request | load generator CPU | ratio to `/sante/` |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r["rps"] / health["rps"]
        mark = "" if r is health else (" ✓" if ratio >= AIM else " ✗")
        lines.append(
            f"| {r['label']} | {r['who']} | {r['requests']:,} | {r['rps']:.0f} "
            f"| {r['median_ms']:.1f} ms | {r['p90_ms']:.1f} ms | {r['errors']} "
            f"| {size(r['bytes'])} | {1000 * args.workers / r['rps']:.1f} ms "
            f"| {100 * r['client_cpu']:.0f} % of a core "
            f"| {100 * ratio:.0f} %{mark} |"
        )
    inbox, message = by_key["inbox"], by_key["message"]
    verdict = [
        f"{name} {100 * r['rps'] / health['rps']:.0f} % "
        f"({'meets' if r['rps'] / health['rps'] >= AIM else '**misses**'} the aim)"
        for name, r in (("inbox ÷ health", inbox), ("message ÷ health", message))
    ]
    lines += [
        "",
        f"Aim: each page at least {100 * AIM:.0f} % of the trivial view's throughput, in the same "
        f"run. Result: {'; '.join(verdict)}. Non-200 answers in all: "
        f"{sum(r['errors'] for r in results)}. The trivial view's worker time bounds what the "
        "server setup itself costs per request (routing, middleware, gunicorn, the connection); "
        "the rest of a page's worker time is its own work in Django (session and user, queries, "
        "template rendering).",
        "",
        f"Caveats: the load generator runs on the same {os.cpu_count()} cores as the server "
        "(its CPU use is in the table): it takes the largest share from the cheapest URL, so the "
        "trivial view's throughput is understated and the ratios are flattered; they are an "
        "indication, not a capacity figure. The production stack (PostgreSQL, Redis, nginx "
        "in front of gunicorn) is a later issue; this run uses the embedded mode's SQLite and "
        "database sessions.",
        END,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
