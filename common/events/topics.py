"""Kafka topic names, spelled out only here, each with the one service that may publish it."""

from collections.abc import Mapping
from typing import Final

USER_CREATED: Final = "user.created"
USER_DELETED: Final = "user.deleted"
USER_READ: Final = "user.read"

ALL_TOPICS: Final = (USER_CREATED, USER_DELETED, USER_READ)

# The one service that publishes each topic (so each event type), as its events' ``source``.
OWNERS: Final[Mapping[str, str]] = {
    USER_CREATED: "users",
    USER_DELETED: "users",
    USER_READ: "games",
}

DLQ_SUFFIX: Final = ".dlq"


def dlq_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def topic_of_dlq(dead_letters: str) -> str | None:
    """The inverse of :func:`dlq_topic` (prefix kept), or None if it is no DLQ name."""
    topic = dead_letters.removesuffix(DLQ_SUFFIX)
    return topic if topic and topic != dead_letters else None


def origin_problem(*, event_type: str, source: str, topic: str) -> str | None:
    """Why an event read from ``topic`` (logical name) did not come from its
    type's owner; None if it did."""
    owner = OWNERS.get(event_type)
    if owner is None:
        return f"{event_type} has no declared owner"
    if topic in OWNERS and topic != event_type:
        return f"a {event_type} event does not belong on {topic}"
    if source != owner:
        return f"source {source!r} does not own {event_type} (its owner is {owner!r})"
    return None
