"""pytest: fast hashing, in-memory e-mail, a media folder per test run."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "test-only-not-secret-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = [
    "tests.hashers.FastArgon2PasswordHasher",  # Argon2 at a tiny cost: members are made often
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="ensemble-test-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="ensemble-test-static-"))
ENSEMBLE_MAX_UPLOAD_BYTES = env.int("ENSEMBLE_MAX_UPLOAD_BYTES", default=4 * 1024**3)
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory, one per xdist worker
