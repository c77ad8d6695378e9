"""`make bench`, login part: what one password check costs, and a storm of logins served by
gunicorn with and without the login gate while someone already signed in keeps using Lien.

(a) Times password verifications in this process with the configured hasher (the first of
PASSWORD_HASHERS) and with PBKDF2, the other one accepted. (b) Seeds accounts into a temporary
SQLite database under var/bench/login/ (LIEN_VAR_DIR, set below before Django loads; never the
demo database), starts gunicorn (sync workers) on it on a free loopback port once per gate
setting, and drives logins from several threads (the login form's GET for its CSRF token, then
the POST) while one more thread, with the session of a signed-in person, keeps requesting
`/sante/`. Stops gunicorn by its PID and writes its section of BENCHMARKS.md between its own
markers. Exits with status 1 on any answer other than those expected (a login: 302, or 503
"come back in a few seconds"; `/sante/`: 200). Figures are only compared within one run.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var" / "bench" / "login"
START = "<!-- bench:login:start -->"
END = "<!-- bench:login:end -->"
COMMAND = "env -u DATABASE_URL -u REDIS_URL .venv/bin/python bench/login.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "127.0.0.1"
PASSWORD = "Lien-bench-2026"
# A browser told "come back in a few seconds" (Retry-After: 5) tries again; scaled down here.
PAUSE_AFTER_BUSY = 1.0
QUIET_SECONDS = 2.0
GATE_VARIABLES = (
    "LIEN_LOGIN_CONCURRENCY",
    "LIEN_LOGIN_QUEUE_LENGTH",
    "LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS",
)
# (name, what it is, the gate's environment). "No gate": more slots than workers, never waits.
SCENARIOS = [
    (
        "no gate",
        "64 slots (more than the workers: nothing waits)",
        {"LIEN_LOGIN_CONCURRENCY": "64"},
    ),
    ("gate, defaults", "the defaults on this machine", {}),
    ("gate, no queue", "`LIEN_LOGIN_QUEUE_LENGTH=0`", {"LIEN_LOGIN_QUEUE_LENGTH": "0"}),
]

# The server and this script share one environment: the development settings (LIEN_ENV left at
# development: no HTTPS redirect, the embedded mode) with DEBUG off, the loopback host allowed,
# no Redis (in-process cache, database sessions, background jobs inline), e-mails to memory.
for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", *GATE_VARIABLES):
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
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402
from run import machine, write_report  # noqa: E402  (bench/run.py, next to this script)

LOGIN_URL = reverse("accounts:login")
HEALTH_URL = reverse("health")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="accounts seeded")
    parser.add_argument("--checks", type=int, default=10, help="timed checks per hasher")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=8, help="threads logging in")
    parser.add_argument("--seconds", type=float, default=10.0, help="storm per gate setting")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    shutil.rmtree(VAR_DIR, ignore_errors=True)
    (VAR_DIR / "static").mkdir(parents=True)  # STATIC_ROOT, which WhiteNoise expects to exist
    database = Path(connection.settings_dict["NAME"]).resolve()
    if database.parent != VAR_DIR.resolve():
        sys.exit(f"refusing to run outside var/bench/login/: {database}")
    try:
        hashers = [time_checks(settings.PASSWORD_HASHERS[0], args.checks)]
        hashers.append(time_checks("django.contrib.auth.hashers.PBKDF2PasswordHasher", 3))
        data = seed(args)
        connection.close()  # the server's workers open their own connections
        storms = [storm(args, data, *scenario) for scenario in SCENARIOS]
    finally:
        connection.close()
        if not args.keep:
            shutil.rmtree(VAR_DIR, ignore_errors=True)
    section = render(args, hashers, storms)
    write_report(section, START, END)
    print(section)
    if any(s["login_errors"] or s["health_errors"] for s in storms):
        sys.exit("some answers were not the expected ones: see the table")


def time_checks(path: str, count: int) -> dict:
    """The wall and CPU time of one verification of a right password, median of `count`."""
    hasher = import_string(path)()
    encoded = make_password(PASSWORD, hasher=hasher.algorithm)
    walls, cpus = [], []
    for _ in range(count):
        wall, cpu = time.perf_counter(), time.process_time()
        assert check_password(PASSWORD, encoded)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    parameters = {
        key: value
        for key, value in hasher.safe_summary(encoded).items()
        if key not in {"algorithm", "salt", "hash"}
    }
    print(f"== {hasher.algorithm}: {1000 * statistics.median(walls):.0f} ms", file=sys.stderr)
    return {
        "algorithm": hasher.algorithm,
        "parameters": ", ".join(f"{k} {v}" for k, v in parameters.items()),
        "count": count,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
    }


def seed(args) -> dict:
    """Accounts sharing one password hash (computed once: a check costs the same whatever the
    salt), and the session of one of them, signed in."""
    call_command("migrate", verbosity=0)
    print(f"== {args.users} comptes", file=sys.stderr)
    User = get_user_model()
    usernames = [f"bench.{index:04d}" for index in range(args.users)]
    for username in usernames:
        User.objects.create_user(username, f"{username}@example.org", password=None)
    User.objects.filter(username__in=usernames).update(
        password=make_password(PASSWORD), activated_at=timezone.now()
    )
    client = Client()
    client.force_login(User.objects.get(username=usernames[0]))
    cookie_name = settings.SESSION_COOKIE_NAME
    return {
        "usernames": usernames[1:],
        "cookie": f"{cookie_name}={client.cookies[cookie_name].value}",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(args, gate_environment: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = (VAR_DIR / "gunicorn.log").open("a")
    server = subprocess.Popen(
        [str(GUNICORN), "lien.wsgi:application", "-w", str(args.workers), "-b", f"{HOST}:{port}"],
        cwd=ROOT,
        env={**os.environ, **gate_environment, "PYTHONPATH": str(ROOT / "src")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{(VAR_DIR / 'gunicorn.log').read_text()}")
        try:
            if request(port, "GET", HEALTH_URL)[0] == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not answer /sante/ within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, master then workers
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def request(port: int, method: str, url: str, headers=None, body=None):
    """(status, body, headers) of one request on a connection of its own."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, url, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), response.getheaders()
    finally:
        conn.close()


def log_in(port: int, username: str) -> int:
    """The login form, then its POST with the CSRF cookie and token: the POST's status."""
    status, body, headers = request(port, "GET", LOGIN_URL)
    if status != 200:
        return status
    token = CSRF_FIELD.search(body.decode()).group(1)
    csrf_cookie = next(
        value.split(";", 1)[0]
        for name, value in headers
        if name.lower() == "set-cookie" and value.startswith(settings.CSRF_COOKIE_NAME + "=")
    )
    form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    return request(
        port,
        "POST",
        LOGIN_URL,
        headers={"Cookie": csrf_cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=form,
    )[0]


def health_loop(port: int, cookie: str, stop: threading.Event, out: dict) -> None:
    """`/sante/` again and again with a signed-in person's session, one request at a time."""
    while not stop.is_set():
        before = time.perf_counter()
        try:
            status = request(port, "GET", HEALTH_URL, headers={"Cookie": cookie})[0]
        except (OSError, http.client.HTTPException):
            status = 0
        out["timings"].append(time.perf_counter() - before)
        out["errors"] += status != 200


def login_loop(port: int, usernames: list[str], stop: threading.Event, out: dict) -> None:
    index = 0
    while not stop.is_set():
        username = usernames[index % len(usernames)]
        before = time.perf_counter()
        try:
            status = log_in(port, username)
        except (OSError, http.client.HTTPException):
            status = 0
        out["attempts"].append(time.perf_counter() - before)
        if status == 302:
            out["logins"] += 1
            index += 1
        elif status == 503:
            out["busy"] += 1
            stop.wait(PAUSE_AFTER_BUSY)
        else:
            out["errors"].append(status)


def quiet_health(port: int, cookie: str) -> list[float]:
    stop, out = threading.Event(), {"timings": [], "errors": 0}
    timer = threading.Timer(QUIET_SECONDS, stop.set)
    timer.start()
    health_loop(port, cookie, stop, out)
    return out["timings"]


def storm(args, data: dict, name: str, description: str, gate_environment: dict) -> dict:
    server, port = start_server(args, gate_environment)
    print(f"== {name}: gunicorn (PID {server.pid}) sur {HOST}:{port}", file=sys.stderr)
    try:
        for username in data["usernames"][-args.workers :]:  # warm the workers up
            log_in(port, username)
        quiet = quiet_health(port, data["cookie"])
        stop = threading.Event()
        health = {"timings": [], "errors": 0}
        logins = [
            {"attempts": [], "logins": 0, "busy": 0, "errors": []} for _ in range(args.threads)
        ]
        share = len(data["usernames"]) // args.threads
        threads = [threading.Thread(target=health_loop, args=(port, data["cookie"], stop, health))]
        threads += [
            threading.Thread(
                target=login_loop,
                args=(port, data["usernames"][i * share : (i + 1) * share], stop, logins[i]),
            )
            for i in range(args.threads)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        stop.wait(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        stop_server(server)
    attempts = sorted(t for out in logins for t in out["attempts"])
    timings = sorted(health["timings"])
    result = {
        "name": name,
        "description": description,
        "seconds": elapsed,
        "logins": sum(out["logins"] for out in logins),
        "busy": sum(out["busy"] for out in logins),
        "login_errors": [status for out in logins for status in out["errors"]],
        "attempt_median": statistics.median(attempts),
        "attempt_p90": statistics.quantiles(attempts, n=10, method="inclusive")[8],
        "quiet_median": statistics.median(quiet),
        "health_requests": len(timings),
        "health_median": statistics.median(timings),
        "health_p90": statistics.quantiles(timings, n=10, method="inclusive")[8],
        "health_max": timings[-1],
        "health_errors": health["errors"],
    }
    print(
        f"   {result['logins'] / elapsed:.1f} connexions/s, {result['busy']} × 503, "
        f"/sante/ p90 {1000 * result['health_p90']:.0f} ms",
        file=sys.stderr,
    )
    return result


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f} ms" if seconds >= 0.01 else f"{1000 * seconds:.1f} ms"


def render(args, hashers: list[dict], storms: list[dict]) -> str:
    configured = hashers[0]
    lines = [
        START,
        "## Logins: what a password check costs, and a storm of logins with and without the gate",
        "",
        f"- Command: `{COMMAND}` (`--users {args.users} --checks {args.checks} "
        f"--workers {args.workers} --threads {args.threads} --seconds {args.seconds:g}`)",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        "One verification of a right password, in this process (median):",
        "",
        "| hasher | parameters | wall time | CPU time | checks/s on one core |",
        "|---|---|---:|---:|---:|",
    ]
    for h in hashers:
        mark = " (configured)" if h is configured else " (also accepted)"
        lines.append(
            f"| `{h['algorithm']}`{mark} | {h['parameters']} | {ms(h['wall'])} "
            f"| {ms(h['cpu'])} | {1 / h['cpu']:.1f} |"
        )
    lines += [
        "",
        f"The storm: `gunicorn lien.wsgi:application -w {args.workers}` (sync workers) on a "
        "free loopback port, `LIEN_ENV=development` with `DEBUG=0`, SQLite in WAL mode "
        "(`LIEN_VAR_DIR=var/bench/login`, thrown away afterwards), no Redis; "
        f"{args.users} accounts sharing one password. {args.threads} threads log in one after "
        "the other, each through the form's GET (for the CSRF token) and its POST; a thread "
        f"told 503 waits {PAUSE_AFTER_BUSY:g} s (a scaled-down `Retry-After`) and tries again. "
        "Meanwhile one more thread requests `/sante/` with a signed-in person's session cookie "
        "(the session and its user are read: a light page of someone already logged in), one "
        f"request at a time. {args.seconds:g} s per gate setting, a fresh gunicorn for each; "
        f"`/sante/` alone is measured for {QUIET_SECONDS:g} s first.",
        "",
        "| gate | logins/s | 503 « réessayez » | login attempt median / p90 | `/sante/` alone "
        "| `/sante/` during the storm: requests, median / p90 / max | unexpected answers |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in storms:
        unexpected = len(s["login_errors"]) + s["health_errors"]
        lines.append(
            f"| {s['name']}: {s['description']} | {s['logins'] / s['seconds']:.1f} "
            f"| {s['busy']} | {ms(s['attempt_median'])} / {ms(s['attempt_p90'])} "
            f"| {ms(s['quiet_median'])} | {s['health_requests']}: {ms(s['health_median'])} / "
            f"{ms(s['health_p90'])} / {ms(s['health_max'])} | {unexpected} |"
        )
    checks, queue = settings.LIEN_LOGIN_CONCURRENCY, settings.LIEN_LOGIN_QUEUE_LENGTH
    held = checks + queue
    p90s = "; ".join(f"{s['name']}: {ms(s['health_p90'])}" for s in storms)
    rates = "; ".join(f"{s['name']}: {s['logins'] / s['seconds']:.1f}/s" for s in storms)
    lines += [
        "",
        f"Defaults on this machine: `LIEN_LOGIN_CONCURRENCY={settings.LIEN_LOGIN_CONCURRENCY}` "
        f"(half the {os.cpu_count()} cores), `LIEN_LOGIN_QUEUE_LENGTH="
        f"{settings.LIEN_LOGIN_QUEUE_LENGTH}`, `LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS="
        f"{settings.LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS:g}`. The signed-in person's `/sante/` at the "
        f"90th percentile during the storm: {p90s} (alone: {ms(storms[0]['quiet_median'])} "
        f"median). Logins: {rates}.",
        "",
        "A sync worker serves one request at a time, and a login waiting in the gate holds its "
        f"worker. With {args.workers} workers and the defaults, logins may hold "
        f"{min(held, args.workers)} of them ({checks} checking, {queue} waiting), leaving "
        f"{max(0, args.workers - held)} to pages; without a queue they hold at most {checks}. "
        "With `deploy/gunicorn.conf.py`'s 2 × cores + 1 workers, the defaults (half the cores "
        "checking, as many waiting) leave cores + 1 workers to pages.",
        "",
        f"Caveats: the load generator runs on the same {os.cpu_count()} cores as the server; "
        "the accounts have no profile (a login ends with its redirect, the home page is not "
        "fetched); SQLite and database sessions, not the production stack.",
        END,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
