"""Seeds one data set into the database of LIEN_VAR_DIR and measures the home pages.

Run by bench/run.py in a fresh process per data set (the database path is fixed when the
settings load); prints one JSON document on stdout. Not meant to be run by hand.
"""

import argparse
import gzip
import io
import json
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lien.settings")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from lien.accounts.models import User  # noqa: E402
from lien.core.management.commands.seed_scale import SCALE_UAI_PREFIX  # noqa: E402
from lien.core.models import Establishment, Profile, TutorLink  # noqa: E402

Role = Profile.Role
ASSET = re.compile(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"')
# A page listing items is measured with 1 and with 10 of them: its queries must not grow.
TUTORED_PUPILS = (1, 10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--establishments", type=int, required=True)
    parser.add_argument("--students", type=int, required=True)
    parser.add_argument("--collectivities", type=int, required=True)
    parser.add_argument("--requests", type=int, required=True)
    args = parser.parse_args()

    database = Path(connection.settings_dict["NAME"]).resolve()
    if database.parent.parent != (ROOT / "var" / "bench").resolve():
        sys.exit(f"refusing to run outside var/bench/: {database}")
    call_command("migrate", verbosity=0)

    output = io.StringIO()
    started = time.perf_counter()
    call_command(
        "seed_scale",
        establishments=args.establishments,
        students=args.students,
        collectivities=args.collectivities,
        stdout=output,
    )
    seed_seconds = time.perf_counter() - started
    seed_rss_mb = peak_rss_mb()

    pages = [measure(page, args.requests) for page in pages_to_measure()]
    json.dump(
        {
            "seed_seconds": round(seed_seconds, 1),
            "seed_peak_rss_mb": seed_rss_mb,
            "peak_rss_mb": peak_rss_mb(),
            "rows": row_counts(output.getvalue()),
            "database_mb": round(
                sum(f.stat().st_size for f in database.parent.glob(database.name + "*")) / 1e6, 1
            ),
            "pages": pages,
        },
        sys.stdout,
        ensure_ascii=False,
    )


def pages_to_measure() -> list[dict]:
    """One page per role, for people of the first establishment (a collège in both data sets)."""
    school = Establishment.objects.filter(uai__startswith=SCALE_UAI_PREFIX).order_by("uai")[0]
    people = Profile.objects.filter(establishment=school).select_related("user")
    student = people.filter(role=Role.STUDENT).order_by("external_id")[0]
    parent = (
        people.filter(role=Role.PARENT)
        .annotate(children=Count("child_links"))
        .order_by("-children", "external_id")[0]
    )
    last_child = parent.child_links.order_by("-student__external_id")[0].student
    teacher = (
        people.filter(role=Role.TEACHER)
        .annotate(n=Count("teachings"))
        .order_by("-n", "external_id")[0]
    )
    direction = people.get(role=Role.STAFF, staff_function=Profile.StaffFunction.DIRECTION)
    operator = Profile.objects.get(role=Role.OPERATOR, collectivity=school.collectivity)
    # seed_scale creates no tutor: two follow the first pupils, one and ten of them.
    pupils = list(people.filter(role=Role.STUDENT).order_by("external_id")[: max(TUTORED_PUPILS)])
    tutors = []
    for count in TUTORED_PUPILS:
        user = User.objects.create(username=f"bench.tuteur{count}", first_name="Tom")
        tutor = Profile.objects.create(user=user, role=Role.TUTOR, establishment=school)
        TutorLink.objects.bulk_create(TutorLink(tutor=tutor, student=p) for p in pupils[:count])
        tutors.append((count, user))
    home = reverse("home:index")
    return [
        {"page": "login", "role": "anonymous", "url": reverse("accounts:login"), "user": None},
        {"page": "home", "role": "student", "url": home, "user": student.user},
        {
            "page": "home",
            "role": "parent",
            "url": f"{home}?enfant={last_child.code}",
            "user": parent.user,
            "note": f"{plural(parent.children, 'enfant')}, vue du dernier",
        },
        {
            "page": "home",
            "role": "teacher",
            "url": home,
            "user": teacher.user,
            "note": f"{teacher.n} services",
        },
        {"page": "home", "role": "staff (direction)", "url": home, "user": direction.user},
        {
            "page": "home",
            "role": "operator",
            "url": home,
            "user": operator.user,
            "note": plural(school.collectivity.establishments.count(), "établissement listé"),
        },
        *[
            {
                "page": "home",
                "role": f"tutor ({count} pupil{'s' if count > 1 else ''})",
                "url": home,
                "user": user,
                "note": plural(count, "élève suivi"),
                "items": count,
            }
            for count, user in tutors
        ],
    ]


def plural(count: int, words: str) -> str:
    """A French plural for the notes: 1 élève suivi, 10 élèves suivis."""
    return f"{count} " + (words.replace(" ", "s ") + "s" if count > 1 else words)


def measure(page: dict, requests: int) -> dict:
    client = Client()
    if page["user"] is not None:
        client.force_login(page["user"])
    for _ in range(3):  # warm up: template loading, the session's first write
        response = client.get(page["url"])
        assert response.status_code == 200, (page["role"], response.status_code)
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        response = client.get(page["url"])
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(page["url"])
        timings.append(time.perf_counter() - started)
    html = response.content
    assets = 0
    for asset in ASSET.findall(html):
        path = finders.find(asset.decode())
        assets += len(gzip.compress(Path(path).read_bytes()))
    return {
        "page": page["page"],
        "role": page["role"],
        "note": page.get("note", ""),
        "items": page.get("items"),
        "queries": queries.count,
        "html_bytes": len(html),
        "html_gzip_bytes": len(gzip.compress(html)),
        "assets_gzip_bytes": assets,
        "median_ms": round(1000 * statistics.median(timings), 2),
        "p90_ms": round(1000 * statistics.quantiles(timings, n=10)[-1], 2),
    }


class QueryCounter:
    """Counts the SQL statements run, across the reconnection at each request's end (unlike
    CaptureQueriesContext, whose log a reconnection empties)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def row_counts(seed_output: str) -> dict[str, int]:
    """The counts seed_scale printed ("  élèves   20000")."""
    counts = {}
    for line in seed_output.splitlines():
        label, _, number = line.strip().rpartition(" ")
        if number.isdigit():
            counts[label.strip()] = int(number)
    return counts


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
