"""When a consumer stops rather than dead-letter (docs/operations.md, "When
a consumer stops instead")."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from django.conf import settings


class DeadLetterLimitReached(Exception):
    """Dead letters passed the policy's limit (the message says which): stop the consumer."""


@dataclass
class DeadLetterPolicy:
    """Limits from the CONSUMER_DLQ_* settings unless given: a ``max_consecutive``
    of 0 or a ``max_ratio`` (dead letters' share of the window) of 1 or more is no limit."""

    max_consecutive: int = field(default_factory=lambda: settings.CONSUMER_DLQ_MAX_CONSECUTIVE)
    max_ratio: float = field(default_factory=lambda: settings.CONSUMER_DLQ_MAX_RATIO)
    window: int = field(default_factory=lambda: settings.CONSUMER_DLQ_RATIO_WINDOW)
    _recent: deque[bool] = field(init=False, repr=False)  # True: a dead letter
    _consecutive: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.max_consecutive < 0 or self.max_ratio < 0 or self.window < 1:
            raise ValueError(f"invalid dead-letter policy: {self}")
        self._recent = deque(maxlen=self.window)

    def record_handled(self, count: int = 1) -> None:
        self._recent.extend([False] * min(count, self.window))
        self._consecutive = 0

    def check_dead_letter(self) -> None:
        """Raise :class:`DeadLetterLimitReached` if one more dead letter would pass a limit."""
        in_a_row = self._consecutive + 1
        if self.max_consecutive and in_a_row > self.max_consecutive:
            raise DeadLetterLimitReached(
                f"{in_a_row} dead letters in a row, over CONSUMER_DLQ_MAX_CONSECUTIVE="
                f"{self.max_consecutive}"
            )
        if self.max_ratio >= 1 or len(self._recent) < self.window - 1:
            return  # no ratio limit, or fewer events than a window
        # The window after this one: the oldest outcome drops out if it is full.
        full = len(self._recent) == self.window
        dead = 1 + sum(self._recent) - (full and self._recent[0])
        if dead > self.max_ratio * self.window:
            raise DeadLetterLimitReached(
                f"{dead} dead letters in the last {self.window} events, over "
                f"CONSUMER_DLQ_MAX_RATIO={self.max_ratio} of CONSUMER_DLQ_RATIO_WINDOW"
                f"={self.window}"
            )

    def record_dead_letter(self) -> None:
        self._recent.append(True)
        self._consecutive += 1
