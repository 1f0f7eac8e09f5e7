"""Kafka topic names: the only place they are spelled out."""

from typing import Final

USER_CREATED: Final = "user.created"
USER_DELETED: Final = "user.deleted"
USER_READ: Final = "user.read"

ALL_TOPICS: Final = (USER_CREATED, USER_DELETED, USER_READ)


def dlq_topic(topic: str) -> str:
    """Dead letters of ``topic``: messages its consumers could not handle."""
    return f"{topic}.dlq"
