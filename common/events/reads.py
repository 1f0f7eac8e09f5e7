"""Games read by users, emitted by the games service."""

from __future__ import annotations

import uuid
from datetime import datetime

from common.events import topics
from common.events.contracts import UUID_STRING, Contract
from common.events.event import Event
from common.events.rfc3339 import format_rfc3339

USER_READ_V1 = Contract(
    type=topics.USER_READ,
    version=1,
    data_schema={
        "type": "object",
        "required": ["user_id", "game_id", "title", "read_at"],
        "properties": {
            "user_id": UUID_STRING,
            "game_id": {"type": "integer", "minimum": 1},
            "title": {"type": "string", "minLength": 1, "maxLength": 255},
            "read_at": {"type": "string", "format": "date-time"},
        },
    },
)


def user_read(
    *, user_id: uuid.UUID, game_id: int, title: str, read_at: datetime, source: str
) -> Event:
    data = {
        "user_id": str(user_id),
        "game_id": game_id,
        "title": title,
        "read_at": format_rfc3339(read_at),
    }
    return USER_READ_V1.event(data, source=source, occurred_at=read_at)
