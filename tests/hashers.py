"""A cheap Argon2 for the test run: the same algorithm and code path, far less work per hash.

Production and local runs use Django's Argon2PasswordHasher with its default cost
(`config.settings.base`); a test asserts that. Here each hash would otherwise cost about half a
second of CPU, and most tests create members.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64  # KiB
    parallelism = 1
