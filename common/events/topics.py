"""Kafka topic names: the only place they are spelled out, each beside the
one service that owns it (the only one that may publish to it)."""

from collections.abc import Mapping
from typing import Final

USER_CREATED: Final = "user.created"
USER_DELETED: Final = "user.deleted"
USER_READ: Final = "user.read"

ALL_TOPICS: Final = (USER_CREATED, USER_DELETED, USER_READ)

# The service that publishes each topic; its events carry this ``source``.
# Topics are named after the event types they carry, so this is also the
# owner of each event type. A consumer dead-letters an event whose source is
# not its topic's owner (``origin_problem``).
OWNERS: Final[Mapping[str, str]] = {
    USER_CREATED: "users",
    USER_DELETED: "users",
    USER_READ: "games",
}

DLQ_SUFFIX: Final = ".dlq"


def dlq_topic(topic: str) -> str:
    """Dead letters of ``topic``: messages its consumers could not handle."""
    return f"{topic}{DLQ_SUFFIX}"


def topic_of_dlq(dead_letters: str) -> str | None:
    """The topic whose dead letters ``dead_letters`` holds (the inverse of
    :func:`dlq_topic`, prefix kept), or None if it is no DLQ name."""
    if not dead_letters.endswith(DLQ_SUFFIX) or len(dead_letters) == len(DLQ_SUFFIX):
        return None
    return dead_letters.removesuffix(DLQ_SUFFIX)


def origin_problem(*, event_type: str, source: str, topic: str) -> str | None:
    """Why an event of ``event_type`` from ``source``, read from ``topic``
    (the logical name), did not come from its owner; None if it did.

    The owner is looked up by the event's type, so every event a consumer
    can decode has one (each contract's type is a topic here); an event of a
    type without an owner is refused, not waved through. On one of this
    project's topics the event must also be of that topic's type.
    """
    owner = OWNERS.get(event_type)
    if owner is None:
        return f"{event_type} has no declared owner"
    if topic in OWNERS and topic != event_type:
        return f"a {event_type} event does not belong on {topic}"
    if source != owner:
        return f"source {source!r} does not own {event_type} (its owner is {owner!r})"
    return None
