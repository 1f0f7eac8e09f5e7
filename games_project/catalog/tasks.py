"""Celery tasks of the catalog: the gateway's background refreshes."""

from __future__ import annotations

from celery import shared_task

from games_project.catalog import gateway
from games_project.catalog.client import UpstreamUnavailable
from games_project.catalog.selectors import most_read_game_ids

RETRY = {
    "autoretry_for": (UpstreamUnavailable,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name=gateway.REFRESH_GAME_TASK, **RETRY)
def refresh_game(game_id: int) -> None:
    gateway.game_refresh(game_id=game_id)


@shared_task(name=gateway.REFRESH_GAME_LIST_TASK, **RETRY)
def refresh_game_list(
    platform: str | None = None, category: str | None = None, sort_by: str | None = None
) -> int:
    return gateway.game_list_refresh(platform=platform, category=category, sort_by=sort_by)


@shared_task
def refresh_most_read_games(limit: int = 50) -> list[int]:
    """Fan out one refresh task per popular game, so each retries on its own."""
    game_ids = most_read_game_ids(limit=limit)
    for game_id in game_ids:
        refresh_game.delay(game_id)
    return game_ids
