"""`ensemble seed-community` at a small scale: members, records with versions, a lineage DAG."""

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from ensemble.accounts.models import Member
from ensemble.lineage.models import SourceLink
from ensemble.lineage.selectors import record_ancestry, record_descendants
from ensemble.records.models import Record, RecordVersion

pytestmark = pytest.mark.django_db
ENSEMBLE = Path(sys.executable).parent / "ensemble"


def _seed(**options):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_community", stdout=out, stderr=err, **options)
    return out.getvalue()


def test_a_small_community_has_chains_hubs_and_cheap_members():
    out = _seed(members=40, records=600, max_depth=12, hubs=2, hub_remixes=30)
    assert "40 members, 600 records" in out
    assert Member.objects.filter(username__startswith="seed").count() == 40
    assert not Member.objects.get(username="seed000000").has_usable_password()
    assert Record.objects.filter(current_version__isnull=True).count() == 0
    assert RecordVersion.objects.count() == 600
    assert len(set(RecordVersion.objects.values_list("sha256", flat=True))) == 600
    links = SourceLink.objects.count()
    remixes = SourceLink.objects.values("record").distinct().count()
    assert 1.2 <= links / remixes <= 1.8  # about 1.5 sources per remix
    # Sources are always older records, so the graph has no loop.
    assert not SourceLink.objects.filter(source_record_id__gte=F("record_id")).exists()
    assert not SourceLink.objects.filter(source_record__licence__in=["cc-by-nd", "cc-by-nc-nd"])
    deepest = Record.objects.get(pk=int(out.split("deepest record ")[1].split()[0]))
    assert "(12 deep)" in out
    assert record_ancestry(record=deepest).max_depth >= 1
    hub = int(out.split("most remixed record ")[1].split()[0])
    assert len(record_descendants(record_id=hub)) >= 30


def test_seeding_twice_with_the_same_prefix_is_refused():
    _seed(members=5, records=20)
    with pytest.raises(CommandError, match="this database was seeded"):
        _seed(members=5, records=20)
    _seed(members=5, records=20, prefix="again")
    assert Record.objects.count() == 40


def test_the_ensemble_command_seeds_another_database_by_url(tmp_path):
    """Through `ensemble seed-community`, as people run it, into a fresh SQLite file."""
    target = tmp_path / "community.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'configured.sqlite3'}",
    }
    done = subprocess.run(
        [str(ENSEMBLE), "seed-community", "--members", "10", "--records", "50",
         "--database-url", f"sqlite:///{target}"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "10 members, 50 records" in done.stdout
    assert "Seeding [" in done.stderr  # the progress bar
    with sqlite3.connect(target) as seeded:
        assert seeded.execute("SELECT COUNT(*) FROM records_record").fetchone() == (50,)
    assert not (tmp_path / "configured.sqlite3").exists()  # the configured one was not touched
