"""The users projection, fed by user.created and user.deleted."""

from __future__ import annotations

import uuid

from common.events.event import Event
from common.events.topics import USER_CREATED, USER_DELETED
from common.kafka.consumer import EventDiscarded, EventRejected
from games_project.catalog.services import game_reads_forget
from games_project.players.selectors import player_is_deleted
from games_project.players.services import player_forget, player_register

# Why a user event is discarded by design (the label of consumer_discarded_total).
DISCARD_CREATED_AFTER_DELETED = "created_after_deleted"


def handle_user_event(event: Event) -> None:
    user_id = uuid.UUID(event.data["user_id"])
    if event.type == USER_CREATED:
        if player_is_deleted(user_id=user_id):
            # The deletion arrived first (it is on another topic): a deleted
            # user never comes back. Expected, so not a dead letter.
            raise EventDiscarded(DISCARD_CREATED_AFTER_DELETED, f"user {user_id} is deleted")
        player_register(user_id=user_id, registered_at=event.occurred_at)
    elif event.type == USER_DELETED:
        player_forget(user_id=user_id, deleted_at=event.occurred_at)
        game_reads_forget(user_id=user_id, forgotten_at=event.occurred_at)
    else:
        raise EventRejected(f"the users projection does not handle {event.type}")
