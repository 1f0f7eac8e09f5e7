"""Celery beat schedule of the users service, in code (not in the database)."""

from __future__ import annotations

from typing import Any


def beat_schedule(*, flush_tokens_every: float) -> dict[str, dict[str, Any]]:
    """Delete the recorded refresh tokens that have expired.

    ``expires``: a run that waited longer than one period is dropped, since
    the next one is already due.
    """
    return {
        "flush-expired-tokens": {
            "task": "users_project.accounts.tasks.flush_expired_tokens",
            "schedule": flush_tokens_every,
            "options": {"expires": flush_tokens_every},
        },
    }
