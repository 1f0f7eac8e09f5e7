"""The users projection's handlers, each wrapped in the inbox in games_project/consumers.py."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from common.events.event import Event
from common.kafka.consumer import EventDiscarded
from games_project.catalog.services import game_reads_forget
from games_project.players.services import player_forget, player_register


def handle_users_created(events: list[Event]) -> Collection[uuid.UUID]:
    for event in events:
        user_id = uuid.UUID(event.data["user_id"])
        if not player_register(user_id=user_id, registered_at=event.occurred_at):
            # The deletion arrived first (it is on another topic): a deleted
            # user never comes back. Expected, so not a dead letter.
            raise EventDiscarded("created_after_deleted", f"user {user_id} is deleted")
    return [event.id for event in events]


def handle_users_deleted(events: list[Event]) -> Collection[uuid.UUID]:
    for event in events:
        user_id = uuid.UUID(event.data["user_id"])
        player_forget(user_id=user_id, deleted_at=event.occurred_at)
        game_reads_forget(user_id=user_id, forgotten_at=event.occurred_at)
    return [event.id for event in events]
