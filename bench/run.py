"""`make bench`: seeds a small and a large installation, measures the home pages of each role on
both, and writes the results to BENCHMARKS.md.

Each data set lives in its own temporary SQLite database under var/bench/ (LIEN_VAR_DIR), never
in the demo database, and is measured by bench/measure.py in a fresh process. The small data set
is one establishment of the same size as each establishment of the large one, so the ratio of
their timings shows whether a page stays O(1) in the size of the installation. Timings are only
compared within one run, on one machine.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
REPORT = ROOT / "BENCHMARKS.md"
START = "<!-- bench:home-pages:start -->"
END = "<!-- bench:home-pages:end -->"
BUDGET_BYTES = 50 * 1024
REPORT_HEADER = """# Benchmarks

Speed and memory targets are checked here, by `make bench`, never by timed unit tests. Numbers
from different machines or runs are not comparable: compare the ratios measured in one run.
The section below is rewritten by each run of `make bench` (`bench/run.py`).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=20)
    parser.add_argument("--students", type=int, default=20000)
    parser.add_argument("--collectivities", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the databases in var/bench/")
    args = parser.parse_args()

    per_school = args.students // args.establishments
    small = run_data_set("small", 1, per_school, 1, args)
    large = run_data_set("large", args.establishments, args.students, args.collectivities, args)
    command = (
        "make bench  # = .venv/bin/python bench/run.py "
        f"--establishments {args.establishments} --students {args.students} "
        f"--collectivities {args.collectivities} --requests {args.requests}"
    )
    section = render(command, args, small, large)
    write_report(section)
    print(section)


def run_data_set(name: str, establishments: int, students: int, collectivities: int, args):
    var_dir = BENCH_DIR / name
    shutil.rmtree(var_dir, ignore_errors=True)
    (var_dir / "static").mkdir(parents=True)  # STATIC_ROOT, which WhiteNoise expects to exist
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # Without setup_test_environment() (its template instrumentation would slow the pages down),
    # the test client's host must be allowed explicitly.
    env.update(
        LIEN_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="lien.settings",
        DEBUG="0",
        ALLOWED_HOSTS="testserver",
    )
    print(f"== {name}: {establishments} établissement(s), {students} élèves", file=sys.stderr)
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "measure.py"),
            f"--establishments={establishments}",
            f"--students={students}",
            f"--collectivities={collectivities}",
            f"--requests={args.requests}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    if not args.keep:
        shutil.rmtree(var_dir)
    data = json.loads(result.stdout)
    data["establishments"] = establishments
    return data


def machine(storage: str = "") -> str:
    """The machine and software a figure was measured with; `storage` names the database (and
    cache) servers when not the embedded mode's SQLite."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    import django

    return (
        f"{os.cpu_count()} CPU (`nproc`), {cpu}, {mem_kb / 1024 / 1024:.1f} GiB RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, {storage or f'SQLite {sqlite3.sqlite_version} (WAL)'}"
    )


def kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def render(command: str, args, small: dict, large: dict) -> str:
    n = large["establishments"]
    lines = [
        START,
        "## Home pages: one establishment vs a whole installation",
        "",
        f"- Command: `{command}`",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "- Database: SQLite in the embedded mode (`LIEN_VAR_DIR=var/bench/…`), `DEBUG=0`, "
        "Django's test client (no network, no web server); the people measured belong to the "
        "first establishment (a collège) in both data sets.",
        "",
        "### Seeding (`manage.py seed_scale`)",
        "",
        "| data set | establishments | pupils | parents | teachers | accounts | seed time "
        "| peak memory (RSS) | database |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, data in (("small", small), ("large", large)):
        rows = data["rows"]
        lines.append(
            f"| {label} | {rows['établissements']} | {rows['élèves']:,} | {rows['parents']:,} "
            f"| {rows['enseignants']:,} | {rows['comptes']:,} | {data['seed_seconds']} s "
            f"| {data['seed_peak_rss_mb']} MB | {data['database_mb']} MB |"
        )
    lines += [
        "",
        f"### Pages ({args.requests} timed requests each, after 3 warm-up requests)",
        "",
        "Transferred = HTML + linked CSS/JS, each gzip-compressed; the budget is 50 KB. "
        f"Ratio = median time with {n} establishments ÷ median time with 1.",
        "",
        f"| page | who | SQL queries (1 / {n}) | HTML | HTML gzip | CSS+JS gzip "
        f"| transferred | ≤ 50 KB | median, 1 est. | median, {n} est. | p90, {n} est. "
        f"| ratio {n}/1 | notes ({n} est.) |",
        "|---|---|---:|---:|---:|---:|---:|:---:|---:|---:|---:|---:|---|",
    ]
    for one, many in zip(small["pages"], large["pages"], strict=True):
        transferred = many["html_gzip_bytes"] + many["assets_gzip_bytes"]
        queries = f"{one['queries']} / {many['queries']}"
        if one["queries"] != many["queries"]:
            queries += " ⚠"
        lines.append(
            f"| {many['page']} | {many['role']} | {queries} | {kb(many['html_bytes'])} "
            f"| {kb(many['html_gzip_bytes'])} | {kb(many['assets_gzip_bytes'])} "
            f"| {kb(transferred)} | {'yes' if transferred <= BUDGET_BYTES else '**no**'} "
            f"| {one['median_ms']:.1f} ms | {many['median_ms']:.1f} ms | {many['p90_ms']:.1f} ms "
            f"| {many['median_ms'] / one['median_ms']:.2f} | {many['note']} |"
        )
    growing = [
        p["role"]
        for p, q in zip(small["pages"], large["pages"], strict=True)
        if p["queries"] != q["queries"]
    ]
    ratios = [
        q["median_ms"] / p["median_ms"]
        for p, q in zip(small["pages"], large["pages"], strict=True)
        if p["role"] != "operator"
    ]
    listed = [p for p in large["pages"] if p["items"]]
    per_item = (listed[-1]["queries"] - listed[0]["queries"]) / (
        listed[-1]["items"] - listed[0]["items"]
    )
    lines += [
        "",
        "The operator's page lists every establishment of its collectivité (1 in the small data "
        "set; see the notes for the large one): its time grows with that number by design. "
        "Every other home page shows one person's data: neither its queries nor its time may "
        "grow with the installation.",
        "",
        f"Queries per extra item listed (tutor's page, {listed[0]['items']} then "
        f"{listed[-1]['items']} followed pupils): {per_item:g}"
        + (" (N+1)." if per_item else " (constant)."),
        "",
        f"Query counts identical in both data sets: "
        f"{'yes' if not growing else 'no (' + ', '.join(growing) + ')'}. "
        f"Time ratios {n}/1 of the pages other than the operator's range from "
        f"{min(ratios):.2f} to {max(ratios):.2f}. "
        f"Peak memory of the measuring process: {small['peak_rss_mb']} MB (small), "
        f"{large['peak_rss_mb']} MB (large).",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_report(section: str, start: str = START, end: str = END) -> None:
    """Replace the report's section between the `start` and `end` markers (append it if the
    markers are absent); every bench script writes its own section this way."""
    text = REPORT.read_text() if REPORT.exists() else REPORT_HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    REPORT.write_text(text)


if __name__ == "__main__":
    main()
