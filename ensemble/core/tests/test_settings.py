"""Settings as deployed: Django's deployment checks pass, SQLite runs in WAL with a busy timeout."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

import config.settings.base as base_settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"

# Variables that would change what the settings under test decide; each test sets its own.
_SETTINGS_VARIABLES = {
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "ENSEMBLE_MAX_UPLOAD_BYTES",
}  # fmt: skip


def _environment(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _SETTINGS_VARIABLES}
    env.update(values)
    return env


def test_production_settings_pass_the_deployment_checks(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=_environment(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS="ensemble.example.org",
            DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "System check identified no issues" in completed.stdout


_SQLITE_PROBE = """
import json, os, sqlite3, django
django.setup()
from django.db import connection

with connection.cursor() as cursor:
    facts = {}
    for pragma in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys"):
        facts[pragma] = cursor.execute(f"PRAGMA {pragma}").fetchone()[0]
    cursor.execute("CREATE TABLE poems (line TEXT)")
    cursor.execute("INSERT INTO poems VALUES ('first')")

# WAL: a reader in the middle of a transaction does not block a writer.
reader = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
reader.execute("BEGIN")
reader.execute("SELECT count(*) FROM poems").fetchone()
with connection.cursor() as cursor:
    cursor.execute("INSERT INTO poems VALUES ('written while a reader reads')")
facts["reader_sees"] = reader.execute("SELECT count(*) FROM poems").fetchone()[0]
reader.rollback()
facts["rows"] = connection.cursor().execute("SELECT count(*) FROM poems").fetchone()[0]
facts["wal_file"] = os.path.exists(connection.settings_dict["NAME"] + "-wal")
facts["transaction_mode"] = connection.settings_dict["OPTIONS"].get("transaction_mode")
print(json.dumps(facts))
"""


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    # The real settings (those `ensemble` and `make run` use) opening a real file database in
    # a fresh process, whatever database this test run itself uses.
    database = tmp_path / "ensemble.sqlite3"
    completed = subprocess.run(
        [sys.executable, "-c", _SQLITE_PROBE],
        cwd=settings.BASE_DIR,
        env=_environment(
            DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=f"sqlite:///{database}"
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    facts = json.loads(completed.stdout.strip().splitlines()[-1])
    assert facts["journal_mode"] == "wal"
    assert facts["busy_timeout"] == 20_000  # milliseconds: writers wait rather than fail
    assert facts["synchronous"] == 1  # NORMAL, safe with WAL
    assert facts["foreign_keys"] == 1
    assert facts["transaction_mode"] == "IMMEDIATE"
    assert facts["reader_sees"] == 1  # its snapshot, while the writer went ahead
    assert facts["rows"] == 2
    assert facts["wal_file"] is True


def test_argon2_at_its_full_cost_hashes_passwords_outside_the_tests():
    # The test settings use a cheap Argon2 (tests/hashers.py) for speed; the real one is this.
    assert base_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.PASSWORD_HASHERS[0] == "tests.hashers.FastArgon2PasswordHasher"
