"""`make bench`, messaging part: one message from the direction to a whole establishment.

Seeds one establishment (`manage.py seed_scale`) into its own temporary SQLite database under
var/bench/messaging/ (LIEN_VAR_DIR, set below before Django loads; never the demo database),
in the embedded mode (no Redis: Celery tasks run inline, `CELERY_TASK_ALWAYS_EAGER`), then
measures in one run:

1. `services.check_send` of one message to « Personnels » and to the pupils' and parents' lists
   of every class, split into the request part (validation, the message, the fan-out of the
   deliveries, the commit) and the on-commit part (real-time publishing and e-mail
   notifications, which the embedded mode runs inline right after the commit);
2. `services.unread_count` for a sample of recipients, and the rows written;
3. the inbox page (`/messagerie/`) of a recipient against that of a user whose mailbox is empty.

Writes its section of BENCHMARKS.md between its own markers. Timings are medians of
`time.perf_counter` measurements and are only compared within one run, on one machine.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var" / "bench" / "messaging"
START = "<!-- bench:messaging:start -->"
END = "<!-- bench:messaging:end -->"
COMMAND = "env -u DATABASE_URL -u REDIS_URL .venv/bin/python bench/messaging.py"

# The same environment as bench/run.py gives bench/measure.py; e-mails go to memory (locmem)
# instead of being printed, so that the notifications are built and counted.
for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)
os.environ.update(
    LIEN_VAR_DIR=str(VAR_DIR),
    DJANGO_SETTINGS_MODULE="lien.settings",
    DEBUG="0",
    ALLOWED_HOSTS="testserver",
    EMAIL_URL="locmem://",
    CELERY_TASK_ALWAYS_EAGER="1",
)
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from run import machine, write_report  # noqa: E402  (bench/run.py, next to this script)

from lien.accounts.models import User  # noqa: E402
from lien.core.management.commands.seed_scale import SCALE_UAI_PREFIX  # noqa: E402
from lien.core.models import Establishment, ParentLink, Profile, SchoolClass  # noqa: E402
from lien.messaging import services  # noqa: E402
from lien.messaging.models import Address, Conversation, Delivery, Message  # noqa: E402

Kind = Address.Kind
Role = Profile.Role
SUBJECT = "Réunion de rentrée"
SAMPLE = 200
INBOX_REQUESTS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=800, help="pupils of the establishment")
    parser.add_argument("--sends", type=int, default=5, help="timed sends (one message each)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    shutil.rmtree(VAR_DIR, ignore_errors=True)
    (VAR_DIR / "static").mkdir(parents=True)  # STATIC_ROOT, which WhiteNoise expects to exist
    database = Path(connection.settings_dict["NAME"]).resolve()
    if database.parent != VAR_DIR.resolve() or not settings.CELERY_TASK_ALWAYS_EAGER:
        sys.exit(f"refusing to run outside var/bench/messaging/ or not eager: {database}")
    try:
        results = run(args)
    finally:
        connection.close()
        if not args.keep:
            shutil.rmtree(VAR_DIR, ignore_errors=True)
    section = render(args, results)
    write_report(section, START, END)
    print(section)


def run(args) -> dict:
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
        establishment=school, role=Role.STAFF, staff_function=Profile.StaffFunction.DIRECTION
    ).user
    classes = list(SchoolClass.objects.filter(establishment=school).order_by("name"))
    accounts = User.objects.filter(profiles__establishment=school).distinct().count()

    sends = [measure_send(direction, school, classes, i) for i in range(args.sends)]
    first = sends[0]
    message = first.pop("message")
    recipients = message.recipient_count
    assert recipients >= 2000, f"only {recipients} recipients: raise --students"

    # (2) unread counts of a sample of the recipients (every message of the run is unread).
    recipient_ids = list(
        Delivery.objects.filter(message=message).order_by("pk").values_list("recipient", flat=True)
    )
    step = max(1, len(recipient_ids) // SAMPLE)
    sample = list(User.objects.filter(pk__in=recipient_ids[::step][:SAMPLE]))
    unread_timings = []
    for _ in range(3):
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            counts = [services.unread_count(user) for user in sample]
        unread_timings.append(time.perf_counter() - started)
    assert set(counts) == {args.sends}, set(counts)

    # (3) the inbox of a parent who received the messages, and of a parent of the same pupil
    # whose account was created after them (same role, same child, an empty mailbox).
    link = (
        ParentLink.objects.filter(parent__user__in=recipient_ids, parent__establishment=school)
        .select_related("parent__user", "student")
        .order_by("parent__external_id")[0]
    )
    empty_user = User.objects.create(
        username="bench.parent.vide", first_name="Eva", last_name="Vide"
    )
    empty_parent = Profile.objects.create(
        user=empty_user, role=Role.PARENT, establishment=school, external_id="BENCHVIDE"
    )
    ParentLink.objects.create(parent=empty_parent, student=link.student)
    full_inbox = measure_page(link.parent.user, SUBJECT)
    empty_inbox = measure_page(empty_user, None)

    return {
        "accounts": accounts,
        "classes": len(classes),
        "recipients": recipients,
        "sends": sends,
        "rows": first["rows"],
        "sample": len(sample),
        "unread_total_ms": 1000 * statistics.median(unread_timings),
        "unread_queries": counter.count,
        "full_inbox": full_inbox,
        "empty_inbox": empty_inbox,
    }


def draft_for(school, classes, index: int) -> services.Draft:
    addresses = [Address(kind=Kind.STAFF, field="to")]
    for school_class in classes:
        for kind in (Kind.CLASS_PARENTS, Kind.CLASS_STUDENTS):
            addresses.append(Address(kind=kind, school_class=school_class, field="bcc"))
    return services.Draft(
        subject=SUBJECT,
        body="Bonjour,\n\nLa réunion de rentrée aura lieu jeudi à 18 h.\n\nLa direction",
        addresses=addresses,
        idempotency_key=f"bench-{index}",
    )


def measure_send(sender, school, classes, index: int) -> dict:
    """One send, split at the commit: the on-commit callbacks that `do_send` registers are taken
    out of the transaction before it commits (as `TestCase.captureOnCommitCallbacks` collects
    them), then run and timed on their own, exactly as Django would have run them."""
    draft = draft_for(school, classes, index)
    before = row_counts()
    mail.outbox = []
    request_queries = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(request_queries), transaction.atomic():
        start = len(connection.run_on_commit)
        message = services.check_send(sender, school, draft)
        callbacks = [callback for _, callback, _ in connection.run_on_commit[start:]]
        del connection.run_on_commit[start:]
    request_seconds = time.perf_counter() - started
    rows = {name: after - before[name] for name, after in row_counts().items()}
    on_commit_queries = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(on_commit_queries):
        for callback in callbacks:
            callback()
    on_commit_seconds = time.perf_counter() - started
    return {
        "message": message,
        "rows": rows,
        "request_ms": 1000 * request_seconds,
        "request_queries": request_queries.count,
        "on_commit_ms": 1000 * on_commit_seconds,
        "on_commit_queries": on_commit_queries.count,
        "callbacks": len(callbacks),
        "emails": len(mail.outbox),
    }


def row_counts() -> dict[str, int]:
    return {
        "messages": Message.objects.count(),
        "deliveries": Delivery.objects.count(),
        "addresses": Address.objects.count(),
        "conversations": Conversation.objects.count(),
    }


def measure_page(user, expected: str | None) -> dict:
    client = Client()
    client.force_login(user)
    url = reverse("messaging:inbox")
    for _ in range(3):  # warm up: template loading, the session's first write
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    html = response.content.decode()
    if expected is not None:
        assert expected in html, "the message is not in the recipient's inbox"
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        client.get(url)
    timings = []
    for _ in range(INBOX_REQUESTS):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    return {
        "median_ms": 1000 * statistics.median(timings),
        "queries": queries.count,
        "html_kb": len(response.content) / 1024,
    }


class QueryCounter:
    """Counts the SQL statements run (as in bench/measure.py)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def render(args, r: dict) -> str:
    sends = r["sends"]

    def median(key: str) -> float:
        return statistics.median(send[key] for send in sends)

    def spread(key: str) -> str:
        values = sorted(send[key] for send in sends)
        return f"{values[0]:.0f}–{values[-1]:.0f} ms"

    def counts(key: str) -> str:
        """One count, or the first send's (cold caches) then the range of the others."""
        first = sends[0][key]
        others = sorted(send[key] for send in sends[1:])
        if not others or others[0] == others[-1] == first:
            return f"{first:,}"
        rest = f"{others[0]:,}" if others[0] == others[-1] else f"{others[0]:,}–{others[-1]:,}"
        return f"{first:,} (1st), {rest} (next)"

    rows = r["rows"]
    full, empty = r["full_inbox"], r["empty_inbox"]
    n = r["recipients"]
    lines = [
        START,
        "## Messaging: one message from the direction to a whole establishment",
        "",
        f"- Command: `{COMMAND}` (run by `make bench` after `bench/run.py`; "
        f"`--students {args.students} --sends {args.sends}`)",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "- Database: SQLite in the embedded mode (`LIEN_VAR_DIR=var/bench/messaging`), no Redis: "
        "`CELERY_TASK_ALWAYS_EAGER` on, in-memory channel layer, e-mails to memory (`locmem`); "
        "`DEBUG=0`; Django's test client (no network, no web server).",
        f"- Data: `seed_scale` with 1 establishment and {args.students} pupils: "
        f"{r['accounts']:,} accounts, {r['classes']} classes. The message goes to « Personnels » "
        f"(To) and to the pupils' and the parents' lists of every class (Bcc): "
        f"{1 + 2 * r['classes']} addresses, **{n:,} recipients**.",
        "",
        f"### Sending ({args.sends} sends of one message each; median, then min–max)",
        "",
        "The request part is `services.check_send` (rate limit, validation, authorization of "
        "every list, the message, its addresses, the fan-out of one delivery row per recipient) "
        "and the commit. The on-commit part is what `do_send` registers with "
        "`transaction.on_commit`: publishing to the recipients' open pages and the e-mail "
        "notifications. The embedded mode runs it inline after the commit, so the sender waits "
        "for both; with Redis and a Celery worker, only the request part is in the request. "
        "To measure the parts apart, the callbacks are taken out of the transaction before it "
        "commits and run right after it, as Django would have.",
        "",
        "| part | median | min–max | SQL queries | notes |",
        "|---|---:|---:|---:|---|",
        f"| request: `check_send` + commit | {median('request_ms'):.0f} ms "
        f"| {spread('request_ms')} | {counts('request_queries')} "
        f"| {rows['messages']} message, {rows['addresses']} addresses, "
        f"{rows['deliveries']:,} deliveries, {rows['conversations']} conversation written |",
        f"| on commit: publishing + notifications | {median('on_commit_ms'):.0f} ms "
        f"| {spread('on_commit_ms')} | {counts('on_commit_queries')} "
        f"| {counts('callbacks')} callback (`_enqueue_notifications`); "
        f"{counts('emails')} e-mails built (recipients with an address who want one at "
        "each message) |",
        f"| whole send, as the sender waits in the embedded mode "
        f"| {statistics.median(s['request_ms'] + s['on_commit_ms'] for s in sends):.0f} ms "
        f"| | | per recipient: "
        f"{statistics.median(s['request_ms'] + s['on_commit_ms'] for s in sends) / n:.3f} ms |",
        "",
        "### After the send",
        "",
        "| measurement | result | SQL queries |",
        "|---|---:|---:|",
        f"| `services.unread_count` of {r['sample']} recipients, one call each (median of 3) "
        f"| {r['unread_total_ms']:.0f} ms in all, {r['unread_total_ms'] / r['sample']:.2f} ms "
        f"each | {r['unread_queries']} ({r['unread_queries'] / r['sample']:g} per recipient) |",
        f"| inbox `/messagerie/` of a parent who received the {args.sends} messages "
        f"(median of {INBOX_REQUESTS}) | {full['median_ms']:.1f} ms ({full['html_kb']:.1f} KB) "
        f"| {full['queries']} |",
        f"| inbox of a parent of the same pupil with an empty mailbox (account created after "
        f"the sends) | {empty['median_ms']:.1f} ms ({empty['html_kb']:.1f} KB) "
        f"| {empty['queries']} |",
        f"| ratio received ÷ empty | {full['median_ms'] / empty['median_ms']:.2f} "
        f"| {full['queries'] - empty['queries']:+d} |",
        "",
        "The figures above are in-process, through Django's test client. The inbox's "
        "throughput under a server, as a ratio to a trivial view, is in the section "
        "written by `bench/production.py` (the production stack).",
        END,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
