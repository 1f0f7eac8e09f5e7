from __future__ import annotations

import uuid
from datetime import datetime

from common.logging import get_logger
from games_project.players.models import Player

log = get_logger(__name__)


def player_register(*, user_id: uuid.UUID, registered_at: datetime) -> None:
    """Know the user (id and time only: games holds no personal data)."""
    Player.objects.get_or_create(user_id=user_id, defaults={"registered_at": registered_at})


def player_forget(*, user_id: uuid.UUID, deleted_at: datetime) -> None:
    """Keep a tombstone (the handler then has the catalog forget the user's reads)."""
    Player.objects.update_or_create(user_id=user_id, defaults={"deleted_at": deleted_at})
    log.info("players.forgotten", user_id=str(user_id))
