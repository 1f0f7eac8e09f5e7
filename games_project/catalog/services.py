"""Writes of the games service: recording reads, refreshing the cache."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from common.events.reads import user_read
from common.logging import get_logger
from common.outbox.services import outbox_enqueue
from games_project.catalog import cache
from games_project.catalog.client import GameNotFound, get_client
from games_project.catalog.models import GameRead
from games_project.catalog.selectors import game_detail, game_key, list_key
from games_project.players.selectors import player_is_deleted

log = get_logger(__name__)
SOURCE = "games"


class NotAllowed(Exception):
    """The caller may not record a read for that user."""


class UserDeleted(Exception):
    """This service has seen ``user.deleted`` for the user: their tokens are void."""


@dataclass(frozen=True)
class RecordedRead:
    read: GameRead
    cache_status: cache.CacheStatus


def game_read_record(
    *, caller_id: uuid.UUID, caller_is_staff: bool, game_id: int, user_id: uuid.UUID | None = None
) -> RecordedRead:
    """Record that ``user_id`` (default: the caller) read ``game_id``, and
    queue ``user.read`` in the same transaction.

    Raises NotAllowed, UserDeleted, NotFoundCached (unknown game) or
    UpstreamUnavailable (no title to be had).
    """
    reader = user_id or caller_id
    if reader != caller_id and not caller_is_staff:
        raise NotAllowed("only staff may record a read for another user")
    if player_is_deleted(user_id=reader) or player_is_deleted(user_id=caller_id):
        raise UserDeleted(str(reader))
    game = game_detail(game_id=game_id)
    event = user_read(
        user_id=reader,
        game_id=game_id,
        title=game.value["title"],
        read_at=timezone.now(),
        source=SOURCE,
    )
    with transaction.atomic():
        read = GameRead.objects.create(
            event_id=event.id,
            user_id=reader,
            game_id=game_id,
            title=event.data["title"],
            read_at=event.occurred_at,
        )
        outbox_enqueue(event=event)
    log.info("game.read_recorded", user_id=str(reader), game_id=game_id, event_id=str(event.id))
    return RecordedRead(read=read, cache_status=game.status)


def game_refresh(*, game_id: int) -> None:
    """Refetch one game into the cache (the Celery task's body)."""
    key = game_key(game_id)
    try:
        cache.fetch_and_store(
            key, lambda: get_client().get_game(game_id), cache.CachePolicy.from_settings()
        )
    except GameNotFound:
        log.info("catalog.refresh_found_no_game", game_id=game_id)
    finally:
        cache.refresh_done(key)


def game_list_refresh(*, platform: str | None, category: str | None, sort_by: str | None) -> int:
    key = list_key(platform=platform, category=category, sort_by=sort_by)
    try:
        games = cache.fetch_and_store(
            key,
            lambda: get_client().list_games(platform=platform, category=category, sort_by=sort_by),
            cache.CachePolicy.from_settings(),
        )
    finally:
        cache.refresh_done(key)
    return len(games)
