"""A clock the test moves by hand, for code that takes one (``clock=``)."""

from __future__ import annotations

import time


class FakeClock:
    """Epoch seconds, frozen until ``advance`` (or ``sleep``, which also
    records each wait in ``slept``)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        """A stand-in for ``time.sleep``: moves the clock instead of waiting."""
        self.slept.append(seconds)
        self.advance(seconds)
