from __future__ import annotations

import uuid

from games_project.players.models import Player


def player_is_deleted(*, user_id: uuid.UUID) -> bool:
    return Player.objects.filter(user_id=user_id, deleted_at__isnull=False).exists()
