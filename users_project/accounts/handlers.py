"""Kafka event handlers of the users service (see users_project/consumers.py).

A handler is an interface like a view: it loads what the event names and
calls a service. It runs inside the runner's transaction with the inbox row.
"""

from __future__ import annotations

import uuid

from common.events import Event
from common.events.rfc3339 import parse_rfc3339
from common.kafka.consumer import EventRejected
from users_project.accounts.selectors import user_get
from users_project.accounts.services import game_read_record


def handle_user_read(event: Event) -> None:
    user_id = uuid.UUID(event.data["user_id"])
    user = user_get(user_id=user_id)
    if user is None:
        # Unknown or already deleted: nothing to attach the read to, and
        # retrying will not change that. The runner logs it and dead-letters it.
        raise EventRejected(f"user {user_id} does not exist (unknown or deleted)")
    game_read_record(
        user=user,
        game_id=event.data["game_id"],
        title=event.data["title"],
        read_at=parse_rfc3339(event.data["read_at"]),
        event_id=event.id,
    )
