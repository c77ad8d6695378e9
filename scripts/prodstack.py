"""Lien's production stack on one machine (docs/PRODUCTION.md): nginx in front of gunicorn (the
pages, sync workers) and daphne (the WebSocket of real-time events), a Celery worker and Celery
beat, on PostgreSQL and Redis.

Command (`make serve-prod`), runs until Ctrl+C, then stops everything it started:

    .venv/bin/python scripts/prodstack.py --port 8080 [--workers 2] [--seed-demo]

Module, for benchmarks (put scripts/ on sys.path, as bench/ scripts do for their neighbours):

    from prodstack import Stack, free_port

    with Stack(port=free_port(), workers=2, var_dir=ROOT / "var/bench/stack") as stack:
        stack.manage("seed_scale", "--establishments", "1")  # in the stack's environment
        ...  # load stack.url (http://127.0.0.1:<port>), through nginx
    # every process has been stopped here, by PID, nginx first

`Stack(port, database_url=..., redis_url=..., workers=2, var_dir=..., with_celery=True,
wsgi_server="gunicorn" | "granian", asgi_server="daphne" | "uvicorn", env={...})`:

- `start()` (or `with`): creates the database if missing, runs `migrate` and `collectstatic`,
  writes `<var_dir>/nginx/nginx.conf` from deploy/nginx.conf.template, starts each process and
  waits until it is ready (its `/sante/` answers 200, or its log says so). Raises `StackError`
  naming the part that failed and the end of its log.
- `stop()`: stops the processes in the reverse order (nginx first, gunicorn last): SIGTERM to
  each PID, then SIGKILL to what remains of its process group after 30 s. Idempotent.
- `url` (nginx), `web_url` (gunicorn itself, e.g. for /exploitation/metriques/ from loopback),
  `env` (the processes' environment), `manage(*args)` (a management command in that
  environment, returns the CompletedProcess), `pids()` (every live process of the stack, workers
  included), `log(part)` (its log file: web, asgi, worker, beat, nginx).

One stack at a time per var_dir (a lock file says so).

The processes run production settings (`LIEN_ENV=production`, `DEBUG=0`) over plain HTTP on
loopback (`LIEN_INSECURE_HTTP=1`: no HTTPS redirect, no Secure cookies; refused by the settings
for any other host). Redis keys (cache, sessions, channel layer, Celery queues) are prefixed with
the database's name, so stacks on different databases can share one Redis database. The
processes get SIGTERM if this process dies (setpriv --pdeathsig): start and stop a Stack from
the same thread, usually the main one.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import http.client
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lien_prod_local"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
# Room for the form fields around the attachments of one message.
BODY_MARGIN_MB = 5

# Run once before the servers start, in their environment (one Django start-up for all three).
PREPARE = """
import json
import django
from django.conf import settings
from django.core.management import call_command
django.setup()
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
print(json.dumps({"max_total_mb": settings.LIEN_MESSAGE_MAX_TOTAL_MB,
                  "static_root": str(settings.STATIC_ROOT)}))
"""


class StackError(RuntimeError):
    """A part of the stack could not be prepared, started or kept running."""


@dataclass
class Part:
    name: str
    label: str
    command: list[str]
    is_ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_offset: int = 0


def free_ports(count: int, besides: int = 0) -> list[int]:
    """Distinct loopback ports free right now (all bound at once, then released)."""
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < count:
            sock = socket.socket()
            sock.bind((HOST, 0))
            if sock.getsockname()[1] == besides:
                sock.close()
                continue
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


def answers_health(port: int) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", "/sante/")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database_if_missing(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(database_url).path.lstrip("/")
    try:
        with psycopg.connect(with_database(database_url, "postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise StackError(f"PostgreSQL ({with_database(database_url, '')}): {error}") from error


def check_redis(redis_url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise StackError(f"Redis ({redis_url}): {error}") from error


def process_groups() -> dict[int, list[int]]:
    """Live (non-zombie) processes by process group, from /proc."""
    groups: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        state, _ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if state != "Z":
            groups.setdefault(int(pgrp), []).append(int(entry.name))
    return groups


class Stack:
    """nginx, gunicorn, daphne, Celery worker and beat on one machine; see the module's doc."""

    def __init__(
        self,
        port: int,
        database_url: str = DEFAULT_DATABASE_URL,
        redis_url: str = DEFAULT_REDIS_URL,
        workers: int = 2,
        var_dir: Path | str = ROOT / "var" / "prod",
        with_celery: bool = True,
        wsgi_server: str = "gunicorn",
        asgi_server: str = "daphne",
        env: dict[str, str] | None = None,
    ):
        if wsgi_server not in {"gunicorn", "granian"}:
            raise ValueError(f"wsgi_server: gunicorn or granian, not {wsgi_server!r}")
        if asgi_server not in {"daphne", "uvicorn"}:
            raise ValueError(f"asgi_server: daphne or uvicorn, not {asgi_server!r}")
        self.port = port
        self.database_url = database_url
        self.redis_url = redis_url
        self.workers = workers
        self.var_dir = Path(var_dir).resolve()
        self.with_celery = with_celery
        self.wsgi_server = wsgi_server
        self.asgi_server = asgi_server
        self.url = f"http://{HOST}:{port}"
        self.parts: list[Part] = []
        self.web_port = self.asgi_port = 0  # free loopback ports, chosen by start()
        self._lock: TextIO | None = None
        database = urlsplit(database_url).path.lstrip("/")
        if not database:
            raise ValueError(f"database_url names no database: {database_url}")
        self.env = self._environment(database, env or {})

    # -- public API ---------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
        if not nginx:
            raise StackError("nginx is missing: scripts/setup.sh --dev installs it")
        for directory in ("run", "log", "static", "media", "nginx"):
            (self.var_dir / directory).mkdir(parents=True, exist_ok=True)
        self._lock_var_dir()
        try:
            self._check_port()
            # Every process writes its metrics there (lien/ops/metrics.py); emptied at each start.
            shutil.rmtree(self.var_dir / "run" / "prometheus", ignore_errors=True)
            (self.var_dir / "run" / "prometheus").mkdir()
            self.web_port, self.asgi_port = free_ports(2, besides=self.port)
            check_redis(self.redis_url)
            create_database_if_missing(self.database_url)
            facts = self._prepare()
            self._write_nginx_conf(facts)
            self.parts = self._parts(nginx)
            # The servers and Celery start together; nginx once they all answer.
            for part in self.parts[:-1]:
                self._launch(part)
            for part in self.parts[:-1]:
                self._wait_ready(part)
            self._launch(self.parts[-1])
            self._wait_ready(self.parts[-1])
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for part in reversed(self.parts):
            self._terminate(part)
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            raise StackError(f"manage.py {' '.join(args)}:\n{tail(result.stdout + result.stderr)}")
        return result

    def pids(self) -> list[int]:
        groups = process_groups()
        started = [part.process.pid for part in self.parts if part.process]
        return sorted(pid for group in started for pid in groups.get(group, []))

    def log(self, name: str) -> Path:
        return self.var_dir / "log" / f"{name}.log"

    @property
    def web_url(self) -> str:
        """gunicorn itself, without nginx: from loopback, e.g. for /exploitation/metriques/."""
        return f"http://{HOST}:{self.web_port}"

    def failed_part(self) -> Part | None:
        """The first part whose main process has exited (the CLI watches this)."""
        return next((p for p in self.parts if p.process and p.process.poll() is not None), None)

    # -- preparation --------------------------------------------------------------------------

    def _environment(self, database: str, extra: dict[str, str]) -> dict[str, str]:
        prefix = re.sub(r"[^A-Za-z0-9_-]", "-", database)
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
        env.update(
            DJANGO_SETTINGS_MODULE="lien.settings",
            PYTHONPATH=str(ROOT / "src"),
            LIEN_ENV="production",
            DEBUG="0",
            LIEN_INSECURE_HTTP="1",
            ALLOWED_HOSTS=f"{HOST},localhost",
            SITE_URL=self.url,
            SECRET_KEY_FILE=str(self.var_dir / "secret_key"),
            LIEN_VAR_DIR=str(self.var_dir),
            STATIC_ROOT=str(self.var_dir / "static"),
            MEDIA_ROOT=str(self.var_dir / "media"),
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            CELERY_BROKER_URL=self.redis_url,
            CELERY_TASK_ALWAYS_EAGER="0",
            CACHE_KEY_PREFIX=prefix,
            CHANNEL_LAYER_PREFIX=f"{prefix}-asgi",
            CELERY_KEY_PREFIX=f"{prefix}:",
            PROMETHEUS_MULTIPROC_DIR=str(self.var_dir / "run" / "prometheus"),
        )
        env.pop("SECRET_KEY", None)  # the key file's, kept from one run to the next
        env.update(extra)
        return env

    def _check_port(self) -> None:
        with socket.socket() as sock:
            try:
                sock.bind((HOST, self.port))
            except OSError as error:
                raise StackError(f"{HOST}:{self.port}: {error}") from error

    def _lock_var_dir(self) -> None:
        """One stack at a time per var_dir: they would share pid files, beat's schedule and the
        metrics directory."""
        lock = (self.var_dir / "run" / "prodstack.lock").open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise StackError(f"another stack runs with {self.var_dir}") from None
        self._lock = lock

    def _prepare(self) -> dict:
        key_file = self.var_dir / "secret_key"
        if not key_file.exists():
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(64))
        print("== migrate, collectstatic", file=sys.stderr)
        result = subprocess.run(
            [sys.executable, "-c", PREPARE], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise StackError(f"migrate/collectstatic failed:\n{tail(result.stderr)}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def _write_nginx_conf(self, facts: dict) -> None:
        prefix = self.var_dir / "nginx"
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / temp).mkdir(exist_ok=True)
        # As root, nginx would hand its workers to "nobody"; keep them with the rest of the stack.
        user = pwd.getpwuid(os.geteuid()).pw_name
        fields = {
            "var_dir": str(self.var_dir),
            "user_directive": f"user {user};" if os.geteuid() == 0 else "",
            "listen": f"{HOST}:{self.port}",
            "client_max_body_size": f"{facts['max_total_mb'] + BODY_MARGIN_MB}m",
            "wsgi_upstream": f"{HOST}:{self.web_port}",
            "asgi_upstream": f"{HOST}:{self.asgi_port}",
            "static_root": facts["static_root"].rstrip("/"),
        }
        text = re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m.group(1)], NGINX_TEMPLATE.read_text())
        (prefix / "nginx.conf").write_text(text)

    def _parts(self, nginx: str) -> list[Part]:
        run = self.var_dir / "run"
        web_port, asgi_port = self.web_port, self.asgi_port
        workers = ["--workers", str(self.workers)]
        if self.wsgi_server == "gunicorn":
            web = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "--bind", f"{HOST}:{web_port}"]
            web += [*workers, "--control-socket", str(run / "gunicorn.ctl")]
        else:
            web = [str(BIN / "granian"), "--interface", "wsgi", "--host", HOST]
            web += ["--port", str(web_port), *workers, "--blocking-threads", "1"]
        if self.asgi_server == "daphne":
            asgi = [str(BIN / "daphne"), "-b", HOST, "-p", str(asgi_port), "--proxy-headers"]
        else:
            asgi = [str(BIN / "uvicorn"), "--host", HOST, "--port", str(asgi_port)]
            # Without a limit it waits for every consumer to return, which some never do.
            asgi += ["--proxy-headers", "--timeout-graceful-shutdown", "5"]
        parts = [
            Part(
                "web",
                f"{self.wsgi_server} (pages, {HOST}:{web_port})",
                [*web, "lien.wsgi:application"],
                lambda: answers_health(web_port),
            ),
            Part(
                "asgi",
                f"{self.asgi_server} (WebSockets, {HOST}:{asgi_port})",
                [*asgi, "lien.asgi:application"],
                lambda: answers_health(asgi_port),
                # Django's advice for ASGI: no persistent connections (each is short-lived here).
                env={"DATABASE_CONN_MAX_AGE": "0"},
            ),
        ]
        if self.with_celery:
            celery = [str(BIN / "celery"), "-A", "lien"]
            # One task at a time in one child process: the web workers keep the cores, and a
            # child lost mid-task gives its task back (task_reject_on_worker_lost).
            worker = "worker --pool prefork --concurrency 1 --without-gossip --without-mingle"
            beat_files = ["--schedule", str(run / "celerybeat-schedule")]
            beat_files += ["--pidfile", str(run / "celerybeat.pid")]
            parts += [
                Part(
                    "worker",
                    "Celery worker",
                    [*celery, *worker.split(), "--hostname", f"lien-{self.port}@%h", "-l", "INFO"],
                    lambda: self._log_says("worker", r"@\S+ ready\."),
                ),
                Part(
                    "beat",
                    "Celery beat",
                    [*celery, "beat", *beat_files, "-l", "INFO"],
                    lambda: self._log_says("beat", r"beat: Starting"),
                ),
            ]
        conf = self.var_dir / "nginx" / "nginx.conf"
        parts.append(
            Part(
                "nginx",
                f"nginx ({self.url})",
                [nginx, "-p", str(self.var_dir / "nginx"), "-c", str(conf), "-e", "stderr"],
                lambda: answers_health(self.port),
            )
        )
        return parts

    # -- processes ----------------------------------------------------------------------------

    def _launch(self, part: Part) -> None:
        log = self.log(part.name)
        with log.open("a") as out:
            out.write(f"\n== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(part.command)}\n")
        part.log_offset = log.stat().st_size
        # Its own session: Ctrl+C in the terminal reaches this script only, which then stops
        # the parts in order; setpriv: SIGTERM to the part if this script dies.
        wrapper = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
        with log.open("a") as out:
            part.process = subprocess.Popen(
                [*wrapper, *part.command],
                cwd=ROOT,
                env={**self.env, **part.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        print(f"== {part.label}: PID {part.process.pid}", file=sys.stderr)

    def _wait_ready(self, part: Part) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not part.is_ready():
            assert part.process is not None
            if part.process.poll() is not None:
                raise StackError(
                    f"{part.label} stopped (exit code {part.process.returncode}) while "
                    f"starting; {self.log(part.name)}:\n{self.recent_log(part)}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"{part.label} not ready after {READY_TIMEOUT:.0f} s; "
                    f"{self.log(part.name)}:\n{self.recent_log(part)}"
                )
            time.sleep(0.2)

    def recent_log(self, part: Part) -> str:
        """The end of what the part wrote to its log since it was started."""
        with self.log(part.name).open(errors="replace") as log:
            log.seek(part.log_offset)
            return tail(log.read())

    def _log_says(self, name: str, pattern: str) -> bool:
        part = next(p for p in self.parts if p.name == name)
        with self.log(name).open(errors="replace") as log:
            log.seek(part.log_offset)
            return re.search(pattern, log.read()) is not None

    def _terminate(self, part: Part) -> None:
        process = part.process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"== {part.label}: SIGKILL after {STOP_TIMEOUT:.0f} s", file=sys.stderr)
        # Whatever is left of its process group (workers of a killed master).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "prod")
    parser.add_argument("--no-celery", action="store_true", help="no Celery worker nor beat")
    parser.add_argument("--wsgi-server", choices=["gunicorn", "granian"], default="gunicorn")
    parser.add_argument("--asgi-server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--seed-demo", action="store_true", help="seed the demo school first")
    args = parser.parse_args()

    stack = Stack(
        port=args.port,
        database_url=args.database_url,
        redis_url=args.redis_url,
        workers=args.workers,
        var_dir=args.var_dir,
        with_celery=not args.no_celery,
        wsgi_server=args.wsgi_server,
        asgi_server=args.asgi_server,
    )

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    # SIGTERM and SIGHUP stop the stack as Ctrl+C does (SIGINT too when started in the
    # background, which would otherwise ignore it).
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    try:
        stack.start()
        if args.seed_demo:
            print(stack.manage("seed_demo").stdout, end="")
        print(
            f"Lien (production) tourne sur {stack.url}/ ; journaux dans {stack.var_dir / 'log'}"
            " (Ctrl+C pour arrêter)",
            file=sys.stderr,
        )
        while (failed := stack.failed_part()) is None:
            time.sleep(1)
        sys.exit(
            f"{failed.label} stopped (exit code {failed.process.returncode}); "
            f"{stack.log(failed.name)}:\n{stack.recent_log(failed)}"
        )
    except KeyboardInterrupt:
        print("\n== arrêt", file=sys.stderr)
    except StackError as error:
        sys.exit(f"prodstack: {error}")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl+C must not cut the stop short
        stack.stop()


if __name__ == "__main__":
    main()
