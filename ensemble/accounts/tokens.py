"""API token secrets: generated once, shown once, stored only as a SHA-256 digest."""

import hashlib
import secrets

TOKEN_PREFIX = "ens_"  # noqa: S105 (a public prefix, not a secret)


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
