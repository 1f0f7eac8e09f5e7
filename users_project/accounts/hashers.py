"""Argon2 with a memory budget: explicit parameters and a per-process cap on
concurrent hashes, so a burst of logins cannot push a web pod past its limit.

Each Argon2 hash holds ``PASSWORD_HASH_MEMORY_KIB`` for its whole run.
Every login hashes (Django's backend hashes a dummy password for an unknown
email too), so without a cap a gunicorn worker holds up to ``threads`` hashes
at once. Here at most ``PASSWORD_HASH_CONCURRENCY`` hashes run per process;
another waits for a slot up to ``PASSWORD_HASH_WAIT_SECONDS`` and is then
refused with ``HashingBusy`` (503 with ``Retry-After``, ``accounts/errors.py``).
The worst case of a users-web pod is therefore::

    idle + WEB_CONCURRENCY * min(WEB_THREADS, PASSWORD_HASH_CONCURRENCY) * memory

(the arithmetic beside the chart's ``users-web`` limit and in the README).

The algorithm keeps Django's name, ``argon2``: hashes written with Django's
defaults (102400 KiB, t=2, p=8) keep verifying, under the same cap, and
``must_update`` rewrites them with these parameters at the next good login.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from common.logging import get_logger

log = get_logger(__name__)


class HashingBusy(Exception):
    """Every password-hashing slot of this process stayed taken past the
    deadline: the caller should come back in ``retry_after`` seconds."""

    retry_after = 1


@cache
def _slots(size: int) -> threading.BoundedSemaphore:
    # One per size, so a test that overrides the setting gets its own.
    return threading.BoundedSemaphore(size)


@contextmanager
def hash_slot() -> Iterator[None]:
    """Hold one of this process's hashing slots, or raise ``HashingBusy``."""
    slots = _slots(settings.PASSWORD_HASH_CONCURRENCY)
    if not slots.acquire(timeout=settings.PASSWORD_HASH_WAIT_SECONDS):
        log.warning(
            "password_hash.busy",
            concurrency=settings.PASSWORD_HASH_CONCURRENCY,
            waited_seconds=settings.PASSWORD_HASH_WAIT_SECONDS,
        )
        raise HashingBusy()
    try:
        yield
    finally:
        slots.release()


class BudgetedArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher with the parameters from settings, hashing and
    verifying only inside a slot of ``hash_slot``."""

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return settings.PASSWORD_HASH_MEMORY_KIB

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return settings.PASSWORD_HASH_TIME_COST

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return settings.PASSWORD_HASH_PARALLELISM

    def encode(self, password: str, salt: str) -> str:
        with hash_slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with hash_slot():
            return super().verify(password, encoded)
