"""A synthetic community for benchmarks and demos: members, records, versions and lineage.

The defaults follow the issue: 80,000 members, 400,000 records, 1.5 sources per remix on
average, chains up to 60 deep, and a few records remixed more than 1,000 times. Rows are made in
memory and written with `bulk_create` in batches, one transaction per batch, with ids chosen up
front so that a record and its version are written together (the foreign keys are deferred).

The shape, chosen to look like a remix community rather than a random graph:

- 55% of records are remixes; each has 1 source (60%), 2 (30%) or 3 (10%): 1.5 on average.
- A remix's sources come half from recent records (the feed) and half from the whole history.
- Chains: 1 in 2,000 records starts a chain that later records continue one link at a time, to
  a length between 10 and the maximum depth (a few reach it exactly).
- Hubs: a few early records are each the source of `hub_remixes` remixes.
- Licences: mostly the Ensemble remix licence, some Creative Commons ones; ND records are never
  picked as sources, and each remix's licence is computed with `licence_for_remix`.
- 2% of records are unpublished; audio and video have a duration and some links use a range.

Members get an unusable password (no hashing: 80,000 Argon2 hashes would take hours).
"""

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.core.errors import EnsembleError
from ensemble.records.models import Kind, Licence, Record, RecordVersion

from .licences import TERMS, licence_for_remix
from .models import Role, SourceLink

KINDS = [Kind.TEXT, Kind.AUDIO, Kind.VIDEO, Kind.IMAGE]
KIND_WEIGHTS = [40, 20, 30, 10]
LICENCES = list(Licence)
LICENCE_WEIGHTS = {
    Licence.ENSEMBLE: 78, Licence.CC_BY: 7, Licence.CC_BY_SA: 3, Licence.CC_BY_NC: 3,
    Licence.CC_BY_NC_SA: 2, Licence.CC_BY_ND: 3, Licence.CC_BY_NC_ND: 1, Licence.CC0: 3,
}  # fmt: skip
ROLE_FOR = {  # (source kind, remix kind) → role
    (Kind.TEXT, Kind.AUDIO): Role.LYRICS, (Kind.TEXT, Kind.VIDEO): Role.TEXT,
    (Kind.TEXT, Kind.TEXT): Role.TRANSLATION, (Kind.AUDIO, Kind.VIDEO): Role.MUSIC,
    (Kind.AUDIO, Kind.AUDIO): Role.SAMPLE, (Kind.VIDEO, Kind.VIDEO): Role.FOOTAGE,
    (Kind.IMAGE, Kind.VIDEO): Role.ARTWORK, (Kind.IMAGE, Kind.IMAGE): Role.EDIT,
    (Kind.AUDIO, Kind.TEXT): Role.LYRICS, (Kind.VIDEO, Kind.AUDIO): Role.VOICE,
}  # fmt: skip


@dataclass
class SeedReport:
    members: int = 0
    records: int = 0
    links: int = 0
    seconds: float = 0.0
    max_depth: int = 0
    deepest_record_id: int = 0
    most_remixed_record_id: int = 0
    most_remixed_count: int = 0
    hub_record_ids: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"{self.members:,} members, {self.records:,} records, {self.links:,} source links "
            f"in {self.seconds:,.1f} s",
            f"deepest record {self.deepest_record_id} ({self.max_depth} deep); most remixed "
            f"record {self.most_remixed_record_id} ({self.most_remixed_count:,} remixes)",
        ]


@dataclass
class _Plan:
    """What the generator knows about every record so far (by index from 0)."""

    depth: list[int] = field(default_factory=list)
    licence: list[Licence] = field(default_factory=list)
    kind: list[Kind] = field(default_factory=list)
    duration: list[float | None] = field(default_factory=list)
    remixes: list[int] = field(default_factory=list)


def seed_community(
    *,
    members: int = 80_000,
    records: int = 400_000,
    sources_per_remix: float = 1.5,
    max_depth: int = 60,
    hubs: int = 4,
    hub_remixes: int | None = None,
    remix_share: float = 0.55,
    prefix: str = "seed",
    batch_size: int = 10_000,
    random_seed: int = 2026,
    using: str = "default",
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Write a synthetic community; `progress(n)` is called as each n members or records land."""
    if members < 1 or records < 1:
        raise EnsembleError("A community needs at least one member and one record.")
    if Member.objects.using(using).filter(username__startswith=prefix).exists():
        raise EnsembleError(
            f"Members named “{prefix}…” exist already: this database was seeded. Use another "
            "--prefix or a fresh database."
        )
    started = time.monotonic()
    rng = random.Random(random_seed)
    advance = progress or (lambda n: None)
    now = timezone.now()
    year = timedelta(days=365)
    hub_remixes = hub_remixes if hub_remixes is not None else min(1_200, max(10, records // 300))

    member_ids = _members_write(members, prefix, now - year, using, batch_size, advance)
    record_base = _next_id(Record, using)
    version_base = _next_id(RecordVersion, using)
    link_base = _next_id(SourceLink, using)

    plan = _Plan()
    hub_indexes = sorted(rng.sample(range(min(records, max(hubs * 10, records // 100))), hubs))
    hub_set = set(hub_indexes)
    hub_slots = _hub_slots(rng, records, hub_indexes, hub_remixes)
    chains = _Chains(rng, records, max_depth)
    report = SeedReport(members=members, hub_record_ids=[record_base + i for i in hub_indexes])
    link_id = link_base

    for batch_start in range(0, records, batch_size):
        rows_record: list[Record] = []
        rows_version: list[RecordVersion] = []
        rows_link: list[SourceLink] = []
        for i in range(batch_start, min(batch_start + batch_size, records)):
            moment = now - year + year * (i / records)
            chain = chains.pick(records - i)
            chain_tail = chains.tail[chain] if chain is not None else None
            sources = _sources_pick(
                rng, i, plan, hub_set, hub_slots.get(i), chain_tail, chain is not None,
                remix_share, sources_per_remix, max_depth,
            )  # fmt: skip
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            licence = _licence_pick(rng, i, hub_set, sources, plan)
            depth = 1 + max(plan.depth[s] for s in sources) if sources else 0
            duration = round(rng.uniform(20, 600), 1) if kind in (Kind.AUDIO, Kind.VIDEO) else None
            plan.depth.append(depth)
            plan.licence.append(licence)
            plan.kind.append(kind)
            plan.duration.append(duration)
            plan.remixes.append(0)
            if depth > report.max_depth:
                report.max_depth, report.deepest_record_id = depth, record_base + i
            if chain is not None and sources and chain_tail in (None, sources[0]):
                chains.advance(chain, i, depth)
            record_id, version_id = record_base + i, version_base + i
            rows_record.append(
                Record(
                    id=record_id, author_id=member_ids[int(len(member_ids) * rng.random() ** 2)],
                    kind=kind, title=f"{kind.label} #{i}", licence=licence,
                    published=rng.random() >= 0.02, current_version_id=version_id,
                    created_at=moment, updated_at=moment,
                )
            )  # fmt: skip
            text = f"Seeded {kind.label.lower()} {i}" if kind == Kind.TEXT else ""
            rows_version.append(
                RecordVersion(
                    id=version_id, record_id=record_id, number=1, created_at=moment, text=text,
                    text_html=f"<p>{text}</p>" if text else "",
                    sha256=hashlib.sha256(f"{prefix}:{i}".encode()).hexdigest(),
                    content_type="text/markdown" if text else "",
                    probe={"duration": duration} if duration else {},
                )
            )  # fmt: skip
            for source in sources:
                plan.remixes[source] += 1
                start = end = None
                source_duration = plan.duration[source]
                if source_duration and rng.random() < 0.2:
                    start = round(rng.uniform(0, source_duration / 2), 1)
                    end = round(rng.uniform(start + 1, source_duration), 1)
                link_id += 1
                rows_link.append(
                    SourceLink(
                        id=link_id, version_id=version_id, record_id=record_id,
                        source_version_id=version_base + source,
                        source_record_id=record_base + source,
                        version_number=1, source_version_number=1,
                        role=ROLE_FOR.get((plan.kind[source], kind), Role.EDIT),
                        start_seconds=start, end_seconds=end, created_at=moment,
                    )
                )  # fmt: skip
        with transaction.atomic(using=using):
            Record.objects.using(using).bulk_create(rows_record)
            RecordVersion.objects.using(using).bulk_create(rows_version)
            SourceLink.objects.using(using).bulk_create(rows_link)
        report.records += len(rows_record)
        report.links += len(rows_link)
        advance(len(rows_record))

    _sequences_reset(using)
    _analyze(using)
    most = max(range(records), key=plan.remixes.__getitem__)
    report.most_remixed_record_id = record_base + most
    report.most_remixed_count = plan.remixes[most]
    report.seconds = time.monotonic() - started
    return report


class _Chains:
    """Long chains: each is continued, one remix at a time, until it reaches its length."""

    def __init__(self, rng: random.Random, records: int, max_depth: int) -> None:
        self.rng = rng
        self.max_depth = max_depth
        count = max(1, records // 2_000)
        self.remaining = [rng.randint(min(10, max_depth), max_depth) for _ in range(count)]
        for k in range(min(3, count)):
            self.remaining[k] = max_depth  # a few reach the maximum
        self.tail: list[int | None] = [None] * count  # the chain's last record
        self.steps_left = sum(self.remaining)
        self.open: list[int] = []  # started, not finished
        self.waiting = list(range(count))  # not started

    def pick(self, records_left: int) -> int | None:
        """The chain the next record continues, or None: often enough to finish them all."""
        if self.steps_left <= 0 or records_left <= 0:
            return None
        if self.rng.random() >= min(1.0, 1.5 * self.steps_left / records_left):
            return None
        if self.waiting and (not self.open or self.rng.random() < 0.3):
            self.open.append(self.waiting.pop())
        return self.rng.choice(self.open) if self.open else None

    def advance(self, chain: int, record: int, depth: int) -> None:
        self.tail[chain] = record
        self.remaining[chain] -= 1
        self.steps_left -= 1
        if self.remaining[chain] <= 0 or depth >= self.max_depth:
            self.steps_left -= max(self.remaining[chain], 0)
            self.remaining[chain] = 0
            self.open.remove(chain)


def _sources_pick(
    rng: random.Random,
    i: int,
    plan: _Plan,
    hub_set: set[int],
    forced: int | None,
    chain_tail: int | None,
    chained: bool,
    remix_share: float,
    sources_per_remix: float,
    max_depth: int,
) -> list[int]:
    """The sources of record `i`, the chain's tail first, then a hub, then picks."""
    if i == 0 or i in hub_set:
        return []
    if forced is None and not chained and rng.random() >= remix_share:
        return []
    extra = max(0.0, sources_per_remix - 1.0)  # 1.5 → 60% one source, 30% two, 10% three
    count = 1 + (rng.random() < extra * 0.8) + (rng.random() < extra * 0.2)
    picked: list[int] = []
    if chained:
        first = chain_tail if chain_tail is not None else _pick(rng, i, plan, max_depth, True)
        if first is not None:
            picked.append(first)
    if forced is not None and forced not in picked:
        picked.append(forced)
    for _ in range(4 * count):
        if len(picked) >= count:
            break
        candidate = _pick(rng, i, plan, max_depth)
        if candidate is not None and candidate not in picked:
            picked.append(candidate)
    return picked


def _pick(
    rng: random.Random, i: int, plan: _Plan, max_depth: int, originals: bool = False
) -> int | None:
    """A source for record `i`: half the time a recent record, half any earlier one."""
    window = max(500, i // 20)
    for _ in range(8):
        if rng.random() < 0.5:
            candidate = rng.randrange(max(0, i - window), i)
        else:
            candidate = rng.randrange(0, i)
        if originals and plan.depth[candidate] != 0:
            continue
        if plan.depth[candidate] >= max_depth:
            continue
        if not TERMS[plan.licence[candidate]].derivatives:
            continue
        return candidate
    return None


def _licence_pick(
    rng: random.Random, i: int, hub_set: set[int], sources: list[int], plan: _Plan
) -> Licence:
    if i in hub_set:
        return Licence.ENSEMBLE
    if not sources:
        return rng.choices(LICENCES, [LICENCE_WEIGHTS[licence] for licence in LICENCES])[0]
    while True:
        try:
            return licence_for_remix(chosen=None, sources=[plan.licence[s] for s in sources])
        except EnsembleError:
            sources.pop()  # an incompatible extra source: a real member would drop it too


def _hub_slots(
    rng: random.Random, records: int, hub_indexes: list[int], per_hub: int
) -> dict[int, int]:
    """Which later records remix which hub: `per_hub` each, spread over the rest of the year."""
    slots: dict[int, int] = {}
    for hub in hub_indexes:
        later = range(hub + 1, records)
        for i in rng.sample(later, min(per_hub, len(later))):
            slots.setdefault(i, hub)
    return slots


def _members_write(
    count: int,
    prefix: str,
    since: Any,
    using: str,
    batch_size: int,
    advance: Callable[[int], None],
) -> list[int]:
    base = _next_id(Member, using)
    password = make_password(None)  # unusable; the same for all, nothing to hash
    for start in range(0, count, batch_size):
        rows = [
            Member(
                id=base + n, username=f"{prefix}{n:06d}", email=f"{prefix}{n:06d}@seed.invalid",
                display_name=f"Artist {n}", password=password, date_joined=since,
            )
            for n in range(start, min(start + batch_size, count))
        ]  # fmt: skip
        with transaction.atomic(using=using):
            Member.objects.using(using).bulk_create(rows)
        advance(len(rows))
    return [base + n for n in range(count)]


def _next_id(model: Any, using: str) -> int:
    return int(model.objects.using(using).aggregate(top=Max("id"))["top"] or 0) + 1


def _sequences_reset(using: str) -> None:
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Member, Record, RecordVersion, SourceLink]
    )
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _analyze(using: str) -> None:
    """Fresh planner statistics and visibility maps, as autovacuum or `PRAGMA optimize` would."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM too (index-only scans need the visibility map), unless in a transaction
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            for model in (Member, Record, RecordVersion, SourceLink):
                cursor.execute(f"{command} {model._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
