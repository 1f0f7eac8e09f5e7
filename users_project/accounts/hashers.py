"""Argon2 with a memory budget, so a burst of logins (an unknown email hashes
too) cannot push a web pod past its limit. The name stays Django's ``argon2``,
so older hashes verify and are upgraded at login."""

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
    """Every hashing slot stayed taken: come back in ``retry_after`` seconds."""

    retry_after = 1


@cache
def _slots(size: int) -> threading.BoundedSemaphore:
    # One per size, so a test that overrides the setting gets its own.
    return threading.BoundedSemaphore(size)


@contextmanager
def hash_slot() -> Iterator[None]:
    slots = _slots(settings.PASSWORD_HASH_CONCURRENCY)
    if not slots.acquire(timeout=settings.PASSWORD_HASH_WAIT_SECONDS):
        log.warning("password_hash.busy")  # the limits: PASSWORD_HASH_* settings
        raise HashingBusy()
    try:
        yield
    finally:
        slots.release()


class BudgetedArgon2PasswordHasher(Argon2PasswordHasher):
    def __init__(self) -> None:
        self.memory_cost = settings.PASSWORD_HASH_MEMORY_KIB
        self.time_cost = settings.PASSWORD_HASH_TIME_COST
        self.parallelism = settings.PASSWORD_HASH_PARALLELISM

    def encode(self, password: str, salt: str) -> str:
        with hash_slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with hash_slot():
            return super().verify(password, encoded)
