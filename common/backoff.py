"""The one backoff of every loop that retries (urllib3 and Celery have their
own): exponential with full jitter, so processes that failed together do not
come back together; and the one pause after a partial batch."""

from __future__ import annotations

import random


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))


# The relay's and the consumers' pause after a partial batch, so the next one
# gathers (one claim or transaction for many rows, not each). Idle, they wait
# for a NOTIFY or the broker's poll instead: a lone row goes at once.
LINGER_SECONDS = 0.005
