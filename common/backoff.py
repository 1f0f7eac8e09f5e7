"""The one backoff formula of the project, for every loop that waits and retries.

Exponential with full jitter (AWS' "full jitter"): attempt 1 waits up to
``base``, each next attempt up to twice as long, never more than ``cap``.
The random part spreads processes that failed together, so they do not all
come back at the same instant.

(The HTTP client to the games API retries through urllib3's ``Retry``, and
Celery tasks through Celery's ``retry_backoff``: each library keeps its own.)
"""

from __future__ import annotations

import random


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    return random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))
