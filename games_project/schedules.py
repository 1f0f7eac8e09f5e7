"""Celery beat schedule of the games service, in code (not in the database)."""

from __future__ import annotations

from typing import Any


def beat_schedule(*, refresh_every: float) -> dict[str, dict[str, Any]]:
    """Refresh what is read most before it goes stale.

    ``expires``: a run that waited longer than one period is dropped, since
    the next one is already due.
    """
    return {
        "refresh-full-catalog": {
            "task": "games_project.catalog.tasks.refresh_game_list",
            "schedule": refresh_every,
            "options": {"expires": refresh_every},
        },
        "refresh-most-read-games": {
            "task": "games_project.catalog.tasks.refresh_most_read_games",
            "schedule": refresh_every,
            "kwargs": {"limit": 50},
            "options": {"expires": refresh_every},
        },
    }
