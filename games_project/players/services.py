from __future__ import annotations

import uuid
from datetime import datetime

from common.logging import get_logger
from games_project.players.models import Player

log = get_logger(__name__)


def player_register(*, user_id: uuid.UUID, email: str, name: str, registered_at: datetime) -> None:
    player, created = Player.objects.get_or_create(
        user_id=user_id, defaults={"email": email, "name": name, "registered_at": registered_at}
    )
    if not created and player.deleted_at is not None:
        log.info("players.created_after_deleted_ignored", user_id=str(user_id))
        return
    if not created:
        Player.objects.filter(user_id=user_id).update(email=email, name=name)


def player_forget(*, user_id: uuid.UUID, deleted_at: datetime) -> None:
    """Keep a tombstone and drop personal data (the handler then has the
    catalog forget the user's reads)."""
    Player.objects.update_or_create(
        user_id=user_id, defaults={"email": "", "name": "", "deleted_at": deleted_at}
    )
    log.info("players.forgotten", user_id=str(user_id))
