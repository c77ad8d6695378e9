"""The production stack of `make serve-prod` (scripts/prodstack.py): nginx in front of gunicorn
and daphne, with a Celery worker and beat, on PostgreSQL and Redis; and the settings switch that
lets it run over plain HTTP on loopback only.

The stack itself runs in the PostgreSQL run (DATABASE_URL and REDIS_URL set) where Debian's nginx
is installed, on a database of its own (created, then dropped) and Redis keys of its own.
"""

import asyncio
import gzip
import http.client
import http.cookiejar
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
PASSWORD = "Un-mot-de-passe-de-test-2026"


def load_prodstack():
    spec = importlib.util.spec_from_file_location("prodstack", ROOT / "scripts" / "prodstack.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["prodstack"] = module
    spec.loader.exec_module(module)
    return module


SECURITY = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")


def production_security(**env: str) -> subprocess.CompletedProcess:
    """Print SECURITY's settings as `manage.py` loads them with LIEN_ENV=production and env."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}
    }
    environment.update(LIEN_ENV="production", SECRET_KEY="s" * 64, **env)
    names = ", ".join(f"settings.{name}" for name in SECURITY)
    code = f"from django.conf import settings; print([{names}])"
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-v", "0", "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_insecure_http_is_allowed_on_loopback_only():
    loopback = production_security(ALLOWED_HOSTS="127.0.0.1,localhost", LIEN_INSECURE_HTTP="1")
    assert loopback.stdout.strip() == "[False, False, False]", loopback.stderr
    public = production_security(ALLOWED_HOSTS="ent.example.fr,127.0.0.1", LIEN_INSECURE_HTTP="1")
    assert public.returncode != 0
    assert "LIEN_INSECURE_HTTP=1 requires ALLOWED_HOSTS of loopback names only" in public.stderr
    secure = production_security(ALLOWED_HOSTS="127.0.0.1")
    assert secure.stdout.strip() == "[True, True, True]", secure.stderr


class Browser:
    """urllib with a cookie jar (which, like a browser, never sends Secure cookies over HTTP)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.status, response.url, response.read().decode()

    def log_in(self, username: str, password: str) -> tuple[int, str, str]:
        _, _, page = self.get("/connexion/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": username, "password": password}
        request = urllib.request.Request(
            self.base_url + "/connexion/", data=urllib.parse.urlencode(form).encode()
        )
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.url, response.read().decode()

    def cookie(self, name: str) -> str:
        return next(f"{c.name}={c.value}" for c in self.cookies if c.name == name)


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


async def websocket_outcomes(url: str, origin: str, cookie: str, publish) -> dict:
    """What the consumer does with an anonymous socket, one from another site, and one of a
    signed-in user who is then sent an event by another process (`publish`)."""
    import websockets

    outcomes: dict = {}
    async with websockets.connect(url, origin=origin) as anonymous:
        try:
            await anonymous.recv()
        except websockets.ConnectionClosed as closed:
            outcomes["anonymous"] = closed.rcvd.code
    try:
        async with websockets.connect(url, origin="http://elsewhere.example"):
            pass
    except websockets.InvalidStatus as refused:
        outcomes["other origin"] = refused.response.status_code
    async with websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie}) as ws:
        outcomes["signed in"] = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        await asyncio.to_thread(publish)
        outcomes["published"] = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
        # The channel layer blocks on Redis for 5 s at a time while nothing happens: an idle
        # socket must outlive that (redis-py 8's default 5 s socket timeout used to kill it).
        try:
            outcomes["idle"] = await asyncio.wait_for(ws.recv(), timeout=6)
        except TimeoutError:
            outcomes["idle"] = "nothing"
        await asyncio.wait_for(await ws.ping(), timeout=5)
        outcomes["still open"] = True
    return outcomes


def shell(stack, code: str) -> str:
    """Run Python in the stack's environment (its database, Redis and settings)."""
    return stack.manage("shell", "-v", "0", "-c", code).stdout


def wait_for_log(path: Path, pattern: str, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if re.search(pattern, path.read_text(errors="replace")):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def stack_database():
    import psycopg

    name = f"lien_prodstack_test_{uuid.uuid4().hex[:8]}"
    server = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    url = urllib.parse.urlunsplit(server._replace(path=f"/{name}", query=""))
    yield url
    admin = urllib.parse.urlunsplit(server._replace(path="/postgres", query=""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match=f"{name}*", count=1000):
        client.delete(key)


@pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")),
    reason="the production stack runs on PostgreSQL and Redis: DATABASE_URL and REDIS_URL",
)
@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/setup.sh --dev)")
def test_the_stack_serves_through_nginx_and_stops_every_process(stack_database, tmp_path):
    prodstack = load_prodstack()
    stack = prodstack.Stack(
        port=prodstack.free_port(),
        database_url=stack_database,
        redis_url=os.environ["REDIS_URL"],
        workers=1,
        var_dir=tmp_path / "var",
    )
    with stack:
        pids = stack.pids()
        assert {part.process.pid for part in stack.parts} < set(pids)  # and their workers
        port = stack.port

        assert get(port, "/sante/")[0::2] == (200, b"ok")

        browser = Browser(stack.url)
        status, _, page = browser.get("/connexion/")
        assert status == 200
        assert 'name="password"' in page

        # Static files: a hashed name, served by nginx itself, pre-compressed, cached for ever.
        css = re.search(r'href="(/static/lien/lien\.[0-9a-f]{12}\.css)"', page).group(1)
        status, headers, body = get(port, css, **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        on_disk = stack.var_dir / "static" / css.removeprefix("/static/")
        assert gzip.decompress(body) == on_disk.read_bytes()
        status, headers, body = get(port, css)
        assert (status, body) == (200, on_disk.read_bytes())
        assert "Content-Encoding" not in headers
        status, _, body = get(port, "/static/lien/absent.css")
        assert status == 404
        assert b"nginx" in body  # nginx's own page: /static/ never reaches Django

        # Attachments are stored under MEDIA_ROOT but only Django's checked view sends them.
        stored = stack.var_dir / "media" / "messaging" / "2026" / "11" / "bulletin.pdf"
        stored.parent.mkdir(parents=True)
        stored.write_bytes(b"%PDF-1.4 private")
        assert get(port, "/media/messaging/2026/11/bulletin.pdf")[0] == 404

        # A real login through nginx over plain HTTP (cookies without Secure on loopback), and
        # a task queued from another process, done by the stack's worker (Redis, prefixed).
        user_id, task_id = shell(
            stack,
            "from lien.accounts.models import User\n"
            "from lien.messaging.tasks import send_due_notifications\n"
            f"user = User.objects.create_user('prodstack', password='{PASSWORD}')\n"
            "print(user.pk, send_due_notifications.delay().id)",
        ).split()
        status, landed_on, _ = browser.log_in("prodstack", PASSWORD)
        assert (status, urllib.parse.urlsplit(landed_on).path) == (200, "/accueil/")
        assert wait_for_log(stack.log("worker"), rf"\[{task_id}\] succeeded")

        # The WebSocket goes through nginx to the ASGI process, with the pages' session, and
        # gets what another process sends that user through the Redis channel layer.
        event = {"type": "test", "op": "ping"}
        send_event = (
            f"from lien.core.realtime import send_events\nsend_events([({event}, [{user_id}])])"
        )
        outcomes = asyncio.run(
            websocket_outcomes(
                f"ws://127.0.0.1:{port}/ws/evenements/",
                stack.url,
                browser.cookie("sessionid"),
                lambda: shell(stack, send_event),
            )
        )
        assert outcomes == {
            "anonymous": 4401,  # accepted, then closed by the consumer: no session
            "other origin": 403,
            "signed in": {"type": "unread_count", "op": "update", "unread_count": 0},
            "published": event,
            "idle": "nothing",
            "still open": True,
        }

    assert stack.pids() == []
    assert [pid for pid in pids if Path(f"/proc/{pid}").exists() and not is_zombie(pid)] == []
    with pytest.raises(ConnectionRefusedError):
        get(port, "/sante/")


def is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"
