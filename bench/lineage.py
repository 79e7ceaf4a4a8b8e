"""Benchmark: lineage as recursive CTEs against a per-node ORM traversal, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.lineage [--scale 1.0] [--databases sqlite,postgresql] [--reuse]

For each database: seed the synthetic community (`seed_community`, the issue's defaults at scale
1.0: 80,000 members, 400,000 records), then time, in the same run,

(a) the full ancestry of the deepest record,
(b) all descendants of the most-remixed record,
(c) the distinct artists upstream of 500 record versions (what credits need),

each with the selector in `ensemble.lineage.selectors` (one recursive query) and with a
straightforward ORM traversal (one query per node visited, with `select_related`), checks that
both found the same answer, and prints the times and ratios. Targets: each query under 100 ms
on both databases, and at least 20 times faster than the traversal.

SQLite: a file in var/bench/. PostgreSQL: the database `ensemble_bench_lineage` on
127.0.0.1:5432 (user postgres, trust auth), created for the run and dropped after it. With
--reuse both are kept and reused when seeded at the same scale.

Planner statistics: seeding ends with ANALYZE (VACUUM ANALYZE on PostgreSQL), and a reused
database is analysed again before measuring, as a migration may have added indexes since. A
deployment gets the same from autovacuum (PostgreSQL) or ANALYZE (SQLite; the migration that
added the walk indexes runs it); without statistics a bulk-loaded database is not what a
running site looks like.

Each database runs in its own process (Django's settings name one database at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "var" / "bench"
PG_NAME = "ensemble_bench_lineage"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET_MS = 100.0
TARGET_RATIO = 20.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lineage", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 400,000 records")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse seeded databases")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--phase", default="seed", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        return _child(options)
    status = 0
    for vendor in [d.strip() for d in options.databases.split(",") if d.strip()]:
        status |= _run_database(vendor, options)
    return status


# The parent: one child process per database -------------------------------------------------


def _run_database(vendor: str, options: argparse.Namespace) -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    tag = f"{options.scale:g}".replace(".", "_")
    if vendor == "sqlite":
        path = FOLDER / f"lineage-{tag}.sqlite3"
        if not options.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif vendor == "postgresql":
        url = f"{PG_SERVER}/{PG_NAME}"
        if not options.reuse or not _pg_exists():
            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
            _pg_admin(f'CREATE DATABASE "{PG_NAME}"')
    else:
        print(f"Unknown database {vendor!r}: use sqlite or postgresql.", file=sys.stderr)
        return 2
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable, "-m", "bench.lineage", "--child", vendor, "--scale", str(options.scale),
        "--repeat", str(options.repeat), *(["--reuse"] if options.reuse else []),
    ]  # fmt: skip
    try:  # seeding and measuring in separate processes: the measure starts with a fresh heap
        seeded = subprocess.call([*command, "--phase", "seed"], env=env, cwd=ROOT)
        return seeded or subprocess.call([*command, "--phase", "measure"], env=env, cwd=ROOT)
    finally:
        if vendor == "postgresql" and not options.reuse:
            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}"')


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def _pg_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME])
        return row.fetchone() is not None


# The child: seed, then measure ----------------------------------------------------------------


def _child(options: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ensemble.core.progress import ProgressBar
    from ensemble.lineage.seeding import seed_community

    members = max(10, round(80_000 * options.scale))
    records = max(100, round(400_000 * options.scale))
    sidecar = FOLDER / f"lineage-{options.child}-{options.scale:g}.json"
    if options.phase == "seed":
        call_command("migrate", verbosity=0, interactive=False)
        if options.reuse and sidecar.exists() and _seeded(records):
            report = json.loads(sidecar.read_text())
            report["reused"] = True
            _analyze(connection)
        else:
            with ProgressBar(members + records, f"Seeding {options.child}") as bar:
                result = seed_community(members=members, records=records, progress=bar.advance)
            report = {**vars(result), "reused": False}
        sidecar.write_text(json.dumps(report))
        return 0
    report = json.loads(sidecar.read_text())
    seeded = ("reused, seeded earlier" if report["reused"] else "seeded") + " in "
    print(
        f"\nLineage benchmark on {_server_version(connection)}: {report['members']:,} members, "
        f"{report['records']:,} records, {report['links']:,} source links "
        f"({seeded}{report['seconds']:,.0f} s)"
    )
    rows = _measure(report, options.repeat)
    _print(rows)
    return 0 if all(row["ok"] for row in rows) else 1


def _analyze(connection: Any) -> None:
    """Fresh planner statistics for a reused database, as a deployment has them (PostgreSQL's
    autovacuum, SQLite's ANALYZE): a migration may have added indexes since it was seeded.
    (Seeding ends with the same.)"""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _seeded(records: int) -> bool:
    from ensemble.records.models import Record

    return Record.objects.count() >= records


def _server_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _measure(report: dict[str, Any], repeat: int) -> list[dict[str, Any]]:
    from ensemble.lineage import selectors
    from ensemble.lineage.models import SourceLink
    from ensemble.records.models import Record

    deepest = Record.objects.get(pk=report["deepest_record_id"]).current_version_id
    assert deepest is not None
    hub = report["most_remixed_record_id"]
    remixes = sorted(set(SourceLink.objects.values_list("version_id", flat=True)))
    credits = random.Random(500).sample(remixes, min(500, len(remixes)))
    rows = []

    def ancestry_cte() -> set[int]:
        return set(selectors.version_ancestry(version_id=deepest).nodes)

    rows.append(
        _compare(
            f"(a) ancestry of the deepest record ({report['max_depth']} deep)",
            ancestry_cte,
            lambda: _orm_ancestry([deepest]) | {deepest},
            repeat,
        )
    )
    rows.append(
        _compare(
            f"(b) descendants of the most-remixed record ({report['most_remixed_count']:,} "
            "remixes)",
            lambda: set(selectors.record_descendants(record_id=hub).nodes),
            lambda: _orm_descendants(hub),
            repeat,
        )
    )
    rows.append(
        _compare(
            f"(c) distinct artists upstream of {len(credits)} record versions",
            lambda: {a.member_id for a in selectors.upstream_artists(version_ids=credits)},
            lambda: _orm_upstream_artists(credits),
            repeat,
        )
    )
    return rows


def _compare(
    label: str, cte: Callable[[], set[int]], orm: Callable[[], set[int]], repeat: int
) -> dict[str, Any]:
    found = cte()  # warm-up, and the answer to compare
    cte_times = _times_ms(cte, repeat)
    cte_ms = statistics.median(cte_times)
    expected = orm()
    orm_ms = statistics.median(_times_ms(orm, max(1, min(3, repeat))))
    ratio = orm_ms / cte_ms if cte_ms else float("inf")
    same = found == expected
    return {
        "label": label, "size": len(found), "cte_ms": cte_ms, "cte_min_ms": min(cte_times),
        "orm_ms": orm_ms, "ratio": ratio, "same": same,
        "ok": same and cte_ms < TARGET_MS and ratio >= TARGET_RATIO,
    }  # fmt: skip


def _times_ms(call: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _print(rows: list[dict[str, Any]]) -> None:
    width = max(len(row["label"]) for row in rows)
    print(
        f"{'question':<{width}}  {'rows':>7}  {'CTE ms':>8}  {'(min)':>7}  {'ORM ms':>9}  "
        f"{'ratio':>7}  same  targets (<100 ms, >=20x)"
    )
    for row in rows:
        print(
            f"{row['label']:<{width}}  {row['size']:>7,}  {row['cte_ms']:>8.1f}  "
            f"{row['cte_min_ms']:>7.1f}  {row['orm_ms']:>9.1f}  {row['ratio']:>6.0f}x  "
            f"{'yes' if row['same'] else 'NO':>4}  {'met' if row['ok'] else 'MISSED'}"
        )
    print(
        "CTE ms: median of the timed runs (what the targets are judged on); (min): the fastest. "
        f"Load average while measuring: {_load()}."
    )


def _load() -> str:
    """The machine's 1-, 5- and 15-minute load averages: times measured on a busy machine are
    longer, and this says how busy it was (the CPU count for scale)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on this platform
        return "unknown"
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


# The traversals peers write: one query per node ---------------------------------------------


def _orm_ancestry(start: list[int]) -> set[int]:
    """Every version upstream of `start`, walking one version at a time."""
    from ensemble.lineage.models import SourceLink

    seen: set[int] = set()
    queue = list(start)
    while queue:
        version_id = queue.pop()
        links = SourceLink.objects.filter(version_id=version_id).select_related(
            "source_version", "source_record__author"
        )
        for link in links:
            if link.source_version_id not in seen:
                seen.add(link.source_version_id)
                queue.append(link.source_version_id)
    return seen


def _orm_descendants(record_id: int) -> set[int]:
    from ensemble.lineage.models import SourceLink
    from ensemble.records.models import RecordVersion

    roots = list(RecordVersion.objects.filter(record_id=record_id).values_list("id", flat=True))
    seen = set(roots)
    queue = list(roots)
    while queue:
        version_id = queue.pop()
        links = SourceLink.objects.filter(source_version_id=version_id).select_related(
            "version", "record__author"
        )
        for link in links:
            if link.version_id not in seen:
                seen.add(link.version_id)
                queue.append(link.version_id)
    return seen


def _orm_upstream_artists(version_ids: list[int]) -> set[int]:
    from ensemble.lineage.models import SourceLink

    seen: set[int] = set(version_ids)
    queue = list(version_ids)
    artists: dict[int, set[str]] = {}
    while queue:
        version_id = queue.pop()
        for link in SourceLink.objects.filter(version_id=version_id).select_related(
            "source_record__author"
        ):
            artists.setdefault(link.source_record.author_id, set()).add(link.role)
            if link.source_version_id not in seen:
                seen.add(link.source_version_id)
                queue.append(link.source_version_id)
    return set(artists)


if __name__ == "__main__":
    raise SystemExit(main())
