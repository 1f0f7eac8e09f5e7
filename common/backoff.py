"""The one backoff formula for every loop that waits and retries:
exponential with full jitter (attempt 1 waits up to ``base``, each next up
to twice as long, at most ``cap``), so processes that failed together do
not come back together. (urllib3 and Celery retry with their own.)
"""

from __future__ import annotations

import random


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))
