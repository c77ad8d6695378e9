"""`make bench`, production part: Lien's busiest pages under the production stack, against the
ceilings measured in the same run, and the messaging's real-time and fan-out figures.

Starts the production stack (scripts/prodstack.py: nginx in front of gunicorn and daphne, a
Celery worker and beat, PostgreSQL and Redis) on its own database, `lien_bench` (dropped and
created afresh), with `seed_scale` data: one establishment. Then:

1. Throughput (`bench:throughput`): wrk (from Debian, one thread, a closed loop of keep-alive
   connections) requests each URL through nginx for a fixed time: a static file served by nginx
   alone and the trivial view `/sante/` (the two ceilings), then the trivial view with a parent's
   session, the home page, the inbox and a message page as that parent.
2. Servers (`bench:servers`): the same trivial view and inbox served directly (no nginx) by
   gunicorn (sync workers), granian (WSGI) and uvicorn (ASGI), the same number of workers each.
3. Messaging (`bench:realtime`): a message to one parent, time until their open WebSocket (through
   nginx, daphne, the Redis channel layer, the Celery worker) hears of it; then a message to the
   whole establishment: the sender's wait, the time until every recipient's unread count is right,
   and until an open page of a recipient hears of it.

Each part writes its section of BENCHMARKS.md between its markers. Every process started is
stopped by its PID. Exits with status 1 if any answer was not the expected page.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "src")]

from prodstack import Stack, free_port, free_ports, with_database  # noqa: E402
from run import machine, write_report  # noqa: E402  (bench/run.py, next to this script)

VAR_DIR = ROOT / "var" / "bench" / "production"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lien_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
COMMAND = ".venv/bin/python bench/production.py"
HOST = "127.0.0.1"
AIM = 0.5
SUBJECT = "Sortie au musée"
WRK = "/usr/bin/wrk"
SERVERS = ("gunicorn", "granian", "uvicorn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000, help="pupils of the establishment")
    parser.add_argument("--messages", type=int, default=30, help="messages in the parent's inbox")
    parser.add_argument("--workers", type=int, default=2, help="web worker processes")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--seconds", type=int, default=10, help="timed load per URL")
    parser.add_argument("--pings", type=int, default=20, help="real-time messages timed")
    args = parser.parse_args()
    if not Path(WRK).exists():
        sys.exit("wrk is missing: scripts/setup.sh --dev installs it")

    recreate_database(DATABASE_URL)
    stack = Stack(
        port=free_port(),
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        workers=args.workers,
        var_dir=VAR_DIR,
        env={"EMAIL_URL": "locmem://"},
    )
    with stack:
        os.environ.update(stack.env)  # this process seeds and sends as the stack's processes do
        import django

        django.setup()
        STORAGE["name"] = storage_versions()
        data = seed(args)
        throughput = [measure(stack.url, url, args) for url in data["urls"]]
        realtime = measure_messaging(stack, data, args)
        servers = compare_servers(stack, data, args)
    sections = [
        (render_throughput(args, data, throughput), "throughput"),
        (render_servers(args, servers), "servers"),
        (render_realtime(args, data, realtime), "realtime"),
    ]
    for text, name in sections:
        start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
        write_report(f"{start}\n{text}{end}\n", start, end)
        print(text)
    wrong = [r for r in [*throughput, *servers] if r["errors"]]
    if wrong:
        sys.exit(f"unexpected answers: {[r['label'] for r in wrong]}")


STORAGE = {"name": ""}


def storage_versions() -> str:
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    redis_version = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    return f"PostgreSQL {postgres}, Redis {redis_version}"


def recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Data -----------------------------------------------------------------------------------------


def seed(args) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.templatetags.static import static
    from django.test import Client
    from django.urls import reverse

    from lien.core.management.commands.seed_scale import SCALE_UAI_PREFIX
    from lien.core.models import Establishment, ParentLink, Profile, SchoolClass
    from lien.messaging import services
    from lien.messaging.models import Address, Delivery

    print(f"== seed_scale: 1 établissement, {args.students} élèves", file=sys.stderr)
    call_command(
        "seed_scale",
        establishments=1,
        collectivities=1,
        students=args.students,
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
                idempotency_key=f"bench-production-{index}",
            ),
        )
    parent = (
        ParentLink.objects.filter(student__enrolments__school_class=school_class)
        .select_related("parent__user")
        .order_by("parent__external_id")[0]
        .parent.user
    )
    assert Delivery.objects.filter(recipient=parent).count() == args.messages
    client = Client(HTTP_HOST=HOST)
    client.force_login(parent)  # a session, as a real login leaves (cache and database)
    client.get(reverse("accounts:security"))  # a first page sets the CSRF cookie
    cookie = "; ".join(
        f"{name}={client.cookies[name].value}"
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    )
    latest = reverse("messaging:message", args=[message.code])
    return {
        "school": school,
        "direction": direction,
        "parent": parent,
        "class": school_class.name,
        "recipients": message.recipient_count,
        "cookie": cookie,
        "urls": [
            url("static", "static file (nginx alone)", static("lien/lien.css"), None, "{"),
            url("health", "trivial view `/sante/`", reverse("health"), None, "ok"),
            url("health-session", "trivial view, signed in", reverse("health"), cookie, "ok"),
            url("home", "home page `/accueil/`", reverse("home:index"), cookie, "Messagerie"),
            url("inbox", "inbox `/messagerie/`", reverse("messaging:inbox"), cookie, SUBJECT),
            url("message", "message page", latest, cookie, f"{SUBJECT} ({args.messages})"),
        ],
    }


def url(key, label, path, cookie, expected) -> dict:
    return {"key": key, "label": label, "path": path, "cookie": cookie, "expected": expected}


# --- Load -----------------------------------------------------------------------------------------


def fetch(base: str, target: dict) -> tuple[int, bytes]:
    import http.client

    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Cookie": target["cookie"]} if target["cookie"] else {}
    connection.request("GET", target["path"], headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def measure(base: str, target: dict, args) -> dict:
    """A warm-up, one checked answer, then wrk for `args.seconds` on this URL."""
    status, body = fetch(base, target)
    right = status == 200 and target["expected"].encode() in body
    command = [WRK, "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    if target["cookie"]:
        command += ["-H", f"Cookie: {target['cookie']}"]
    subprocess.run([*command[:3], "-d2s", base + target["path"]], capture_output=True, check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(
        [*command, base + target["path"]], capture_output=True, text=True, check=True
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = parse_wrk(output)
    result.update(
        label=target["label"],
        key=target["key"],
        who="parent" if target["cookie"] else "anonymous",
        body=len(body),
        errors=(0 if right else 1) + result["non_2xx"],
        wrk_cpu=(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        / args.seconds,
    )
    print(f"   {target['path']}: {result['rps']:.0f} requêtes/s", file=sys.stderr)
    return result


def parse_wrk(output: str) -> dict:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p90": latency("90"),
        "p99": latency("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


# --- Servers compared -----------------------------------------------------------------------------


def compare_servers(stack: Stack, data: dict, args) -> list[dict]:
    """The trivial view and the inbox served directly by each server, same workers, same data."""
    targets = [t for t in data["urls"] if t["key"] in {"health", "inbox"}]
    results = []
    for server in SERVERS:
        port = free_ports(1, besides=stack.port)[0]
        process = start_server(server, port, stack, args.workers)
        try:
            wait_for(port, process, server)
            for target in targets:
                result = measure(f"http://{HOST}:{port}", target, args)
                result["server"] = server
                results.append(result)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return results


def start_server(server: str, port: int, stack: Stack, workers: int) -> subprocess.Popen:
    binaries = Path(sys.executable).parent
    bind = ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    commands = {
        "gunicorn": [binaries / "gunicorn", "-b", f"{HOST}:{port}", "-w", str(workers)]
        + ["--control-socket", str(VAR_DIR / "run" / f"bench-{port}.ctl")]
        + ["lien.wsgi:application"],
        "granian": [binaries / "granian", "--interface", "wsgi", *bind]
        + ["--blocking-threads", "1", "lien.wsgi:application"],
        "uvicorn": [binaries / "uvicorn", *bind, "--no-access-log", "lien.asgi:application"],
    }
    log = (VAR_DIR / "log" / f"bench-{server}.log").open("w")
    print(f"== {server} sur {HOST}:{port}", file=sys.stderr)
    return subprocess.Popen(
        [str(part) for part in commands[server]],
        cwd=ROOT,
        env={**stack.env, "DATABASE_CONN_MAX_AGE": "0" if server == "uvicorn" else "60"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(port: int, process: subprocess.Popen, name: str) -> None:
    from prodstack import answers_health

    deadline = time.monotonic() + 60
    while not answers_health(port):
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"{name} did not start: see {VAR_DIR / 'log' / f'bench-{name}.log'}")
        time.sleep(0.2)


# --- Messaging: real time and fan-out -------------------------------------------------------------


def measure_messaging(stack: Stack, data: dict, args) -> dict:
    return asyncio.run(_measure_messaging(stack, data, args))


async def _measure_messaging(stack: Stack, data: dict, args) -> dict:
    import websockets
    from asgiref.sync import sync_to_async

    uri = stack.url.replace("http://", "ws://") + "/ws/evenements/"
    headers = {"Cookie": data["cookie"]}
    async with websockets.connect(uri, origin=stack.url, additional_headers=headers) as socket:
        await receive_until(socket, lambda event: event.get("type") == "unread_count")
        one = []
        for index in range(args.pings):
            subject = f"Temps réel {index}"
            started = time.perf_counter()
            await sync_to_async(send_to_parent)(data, subject)
            sent = time.perf_counter()
            await receive_until(socket, lambda e, s=subject: received(e) == s)
            one.append({"send": sent - started, "shown": time.perf_counter() - started})
        subject = "Réunion de rentrée"
        started = time.perf_counter()
        message = await sync_to_async(send_to_everyone)(data, subject)
        sent = time.perf_counter()
        await receive_until(socket, lambda e: received(e) == subject)
        shown = time.perf_counter()
        counts_right = await sync_to_async(wait_for_unread_counts)(message)
    return {
        "one": one,
        "fanout": {
            "recipients": message.recipient_count,
            "send": sent - started,
            "shown": shown - started,
            "counts_right": counts_right - started,
        },
    }


def received(event: dict) -> str | None:
    if event.get("type") == "message" and event.get("op") == "received":
        return event["message"]["subject"]
    return None


async def receive_until(socket, wanted, timeout: float = 60.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            event = json.loads(await socket.recv())
            if wanted(event):
                return event


def send_to_parent(data: dict, subject: str):
    from lien.messaging import services
    from lien.messaging.models import Address

    return services.check_send(
        data["direction"],
        data["school"],
        services.Draft(
            subject=subject,
            body="Bonjour.",
            addresses=[Address(kind=Address.Kind.USER, user=data["parent"], field="to")],
        ),
    )


def send_to_everyone(data: dict, subject: str):
    """The direction writes to the staff, every class's pupils and every class's parents."""
    from lien.core.models import SchoolClass
    from lien.messaging import services
    from lien.messaging.models import Address

    Kind = Address.Kind
    addresses = [Address(kind=Kind.STAFF, field="to")]
    for school_class in SchoolClass.objects.filter(establishment=data["school"]):
        for kind in (Kind.CLASS_PARENTS, Kind.CLASS_STUDENTS):
            addresses.append(Address(kind=kind, school_class=school_class, field="bcc"))
    return services.check_send(
        data["direction"],
        data["school"],
        services.Draft(subject=subject, body="La réunion aura lieu jeudi.", addresses=addresses),
    )


def wait_for_unread_counts(message) -> float:
    """When every recipient's unread count (as the pages compute it) includes the message."""
    from lien.messaging import events
    from lien.messaging.models import Delivery

    recipients = Delivery.objects.filter(message=message).values("recipient_id")
    while True:
        counts = events.unread_counts(recipients)
        if len(counts) == message.recipient_count and all(counts.values()):
            return time.perf_counter()
        time.sleep(0.01)


# --- Report ---------------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def render_throughput(args, data: dict, results: list[dict]) -> str:
    by_key = {r["key"]: r for r in results}
    ceiling = by_key["health"]["rps"]
    rows = []
    for r in results:
        ratio = r["rps"] / ceiling
        mark = "" if r["key"] in {"static", "health"} else (" ✓" if ratio >= AIM else " ✗")
        rows.append(
            f"| {r['label']} | {r['who']} | {r['requests']:,} | {r['rps']:.0f} | {ms(r['p50'])} "
            f"| {ms(r['p90'])} | {ms(r['p99'])} | {r['errors']} | {r['body'] / 1024:.1f} KB "
            f"| {1000 * args.workers / r['rps']:.2f} ms | {100 * r['wrk_cpu']:.0f} % "
            f"| {100 * r['rps'] / by_key['static']['rps']:.0f} % | {100 * ratio:.0f} %{mark} |"
        )
    pages = [r for r in results if r["key"] in {"home", "inbox", "message"}]
    verdict = "; ".join(
        f"{r['key']} {100 * r['rps'] / ceiling:.0f} %"
        f" ({'meets' if r['rps'] / ceiling >= AIM else '**misses**'} the aim)"
        for r in pages
    )
    return "\n".join(
        [
            "## Throughput: the busiest pages under the production stack",
            "",
            f"- Command: `{COMMAND}` (run by `make bench`; `--students {args.students} "
            f"--messages {args.messages} --workers {args.workers} --connections "
            f"{args.connections} --seconds {args.seconds}`)",
            f"- Machine: {machine(STORAGE['name'])}",
            f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            "- Stack: `scripts/prodstack.py` (what `make serve-prod` runs): nginx in front of "
            f"gunicorn ({args.workers} sync workers, `deploy/gunicorn.conf.py`), daphne, a Celery "
            "worker and beat; PostgreSQL 15 (database `lien_bench`, persistent connections), "
            "Redis (cache, sessions, channel layer, broker); production settings over plain "
            "HTTP on loopback.",
            f"- Data: `seed_scale`, one establishment of {args.students} pupils; the direction "
            f"sent {args.messages} messages to the parents of {data['class']} "
            f"({data['recipients']} recipients each). The parent measured has them in the "
            "inbox (the page lists 25); the message page is the latest.",
            f"- Load: wrk, one thread, {args.connections} keep-alive connections in a closed "
            f"loop, {args.seconds} s per URL after 2 s of warm-up, from the same 2 cores. Pages "
            "with the parent's session and CSRF cookies, as a browser sends them; only the HTML.",
            "",
            f"Worker time per request = {args.workers} workers ÷ requests/s.",
            "",
            "| URL | who | requests | requests/s | p50 | p90 | p99 | errors | body "
            "| worker time per request | wrk CPU | ÷ static file | ÷ `/sante/` |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Aim: home, inbox and message page at least {100 * AIM:.0f} % of the trivial view's "
            f"throughput in the same run. Result: {verdict}.",
            "",
            "How: the home page, the inbox listing, a message, the header and the unread badge "
            "are cached per user under a content version that every write touching that user's "
            "pages replaces (`lien/core/fragments.py`); a page seen again costs the session, the "
            "user, one cache read for the version and one for all its pieces (the home page "
            "also reads the profile and its flash messages). A page after a change is "
            "built again (the message page reads and marks the thread, about 15 queries).",
            "",
        ]
    )


def render_servers(args, results: list[dict]) -> str:
    rows = []
    for r in results:
        rows.append(
            f"| {r['server']} | {r['label']} | {r['rps']:.0f} | {ms(r['p50'])} | {ms(r['p99'])} "
            f"| {r['errors']} |"
        )
    best = {}
    for r in results:
        if r["key"] == "inbox" and (not best or r["rps"] > best["rps"]):
            best = r
    return "\n".join(
        [
            "## Servers compared: gunicorn, granian, uvicorn on the same pages",
            "",
            f"- Command: `{COMMAND}` (same run as the throughput section)",
            f"- Machine: {machine(STORAGE['name'])}",
            f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            f"- Each server alone, {args.workers} worker processes, requested directly (no "
            "nginx), one after the other against the same stack's PostgreSQL and Redis: "
            "gunicorn's sync workers (`lien.wsgi`), granian's WSGI interface (one blocking "
            "thread per worker), uvicorn (`lien.asgi`, Django's ASGI handler, no persistent "
            f"database connections as Django advises under ASGI). wrk as above, {args.seconds} s "
            "per URL.",
            "",
            "| server | URL | requests/s | p50 | p99 | errors |",
            "|---|---|---:|---:|---:|---:|",
            *rows,
            "",
            f"Fastest on the inbox in this run: **{best.get('server')}**. The stack serves pages "
            "with gunicorn (see docs/PRODUCTION.md for the choice) and WebSockets with daphne.",
            "",
        ]
    )


def render_realtime(args, data: dict, r: dict) -> str:
    shown = [1000 * p["shown"] for p in r["one"]]
    sends = [1000 * p["send"] for p in r["one"]]
    fan = r["fanout"]
    return "\n".join(
        [
            "## Messaging under the production stack: real time and fan-out",
            "",
            f"- Command: `{COMMAND}` (same run as the throughput section)",
            f"- Machine: {machine(STORAGE['name'])}",
            f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            "- A parent's page holds the events WebSocket open through nginx and daphne. The "
            "direction sends from the benchmark's process (the service a request calls); after "
            "the commit the Celery worker publishes the events on the Redis channel layer.",
            "",
            "| measure | median | p95 / max |",
            "|---|---:|---:|",
            f"| one message to the parent ({args.pings} times): the send | "
            f"{ms(statistics.median(sends))} | {ms(max(sends))} |",
            f"| the same: until the parent's open page hears of it | "
            f"{ms(statistics.median(shown))} | "
            f"{ms(statistics.quantiles(shown, n=20)[-1])} / {ms(max(shown))} |",
            "",
            f"A message to the whole establishment ({fan['recipients']:,} recipients: staff, "
            "every class's pupils and parents), once:",
            "",
            f"- the sender's wait (message, {fan['recipients']:,} delivery rows, content "
            f"versions): {ms(1000 * fan['send'])};",
            f"- until every recipient's unread count includes it: "
            f"{ms(1000 * fan['counts_right'])} (the counts are computed from the rows, "
            "committed with the send);",
            f"- until the parent's open page hears of it: {ms(1000 * fan['shown'])} (the worker "
            f"sends {fan['recipients']:,} events after the commit).",
            "",
        ]
    )


if __name__ == "__main__":
    main()
