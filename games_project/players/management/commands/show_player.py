from __future__ import annotations

import json
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from games_project.players.models import Player


class Command(BaseCommand):
    help = (
        "Show what the games service knows of a user (from user.created/user.deleted); "
        "--wait-for waits until it is known or deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id", type=uuid.UUID)
        parser.add_argument("--wait-for", choices=["known", "deleted"])
        parser.add_argument("--timeout", type=float, default=15)

    def handle(
        self, *args: Any, user_id: uuid.UUID, wait_for: str | None, timeout: float, **options: Any
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            player = Player.objects.filter(user_id=user_id).first()
            known = player is not None
            deleted = known and player.deleted_at is not None
            if wait_for is None or {"known": known, "deleted": deleted}[wait_for]:
                break
            if time.monotonic() > deadline:
                raise CommandError(f"user {user_id} is not {wait_for} here after {timeout}s")
            time.sleep(0.05)
        registered_at = player.registered_at if player else None
        shown = {"user_id": str(user_id), "known": known, "deleted": deleted}
        shown["registered_at"] = registered_at.isoformat() if registered_at else None
        self.stdout.write(json.dumps(shown))
