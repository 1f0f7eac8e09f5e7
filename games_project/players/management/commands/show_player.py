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
            done = {
                None: True,
                "known": player is not None,
                "deleted": player is not None and player.deleted_at is not None,
            }[wait_for]
            if done:
                break
            if time.monotonic() > deadline:
                raise CommandError(f"user {user_id} is not {wait_for} here after {timeout}s")
            time.sleep(0.05)
        self.stdout.write(
            json.dumps(
                {
                    "user_id": str(user_id),
                    "known": player is not None,
                    "deleted": bool(player and player.deleted_at),
                    "registered_at": player.registered_at.isoformat()
                    if player and player.registered_at
                    else None,
                }
            )
        )
