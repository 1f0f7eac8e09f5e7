from __future__ import annotations

import uuid
from datetime import datetime

from games_project.players.models import Player


def player_register(*, user_id: uuid.UUID, registered_at: datetime) -> bool:
    """Know the user (id and time only: games holds no personal data); False,
    writing nothing, when the user is already deleted here."""
    player, _ = Player.objects.get_or_create(
        user_id=user_id, defaults={"registered_at": registered_at}
    )
    return player.deleted_at is None


def player_forget(*, user_id: uuid.UUID, deleted_at: datetime) -> None:
    """Keep a tombstone; the handler then has the catalog forget (and log) the user's reads."""
    Player.objects.update_or_create(user_id=user_id, defaults={"deleted_at": deleted_at})
