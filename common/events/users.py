"""The user lifecycle, emitted by the users service."""

from __future__ import annotations

import uuid

from common.events import topics
from common.events.contracts import UUID_STRING, Contract
from common.events.event import Event

USER_CREATED_V1 = Contract(
    type=topics.USER_CREATED,
    version=1,
    data_schema={
        "type": "object",
        "required": ["user_id", "email", "name"],
        "properties": {
            "user_id": UUID_STRING,
            "email": {"type": "string", "minLength": 3, "maxLength": 254},
            "name": {"type": "string", "maxLength": 150},
        },
    },
)

USER_DELETED_V1 = Contract(
    type=topics.USER_DELETED,
    version=1,
    data_schema={
        "type": "object",
        "required": ["user_id"],
        "properties": {"user_id": UUID_STRING},
    },
)


def user_created(*, user_id: uuid.UUID, email: str, name: str, source: str) -> Event:
    data = {"user_id": str(user_id), "email": email, "name": name}
    return USER_CREATED_V1.event(data, source=source)


def user_deleted(*, user_id: uuid.UUID, source: str) -> Event:
    return USER_DELETED_V1.event({"user_id": str(user_id)}, source=source)
