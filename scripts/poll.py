"""The one poll helper of the suite: wait for a condition, never for a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float, message: str, every: float = 0.05) -> T:
    """``check()``'s first truthy result; AssertionError(message) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (after {timeout}s)")
        time.sleep(every)
