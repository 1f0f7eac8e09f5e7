"""A clock the test moves by hand, for code that takes one (``clock=``)."""

from __future__ import annotations

import time


class FakeClock:
    """Epoch seconds, frozen until ``advance``."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
