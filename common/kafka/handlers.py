"""What a consumer's handler is, and what it may raise.

A handler takes a batch of events of one type, each id once, inside the
runner's transaction, and returns the ids it applied; the others it had
applied before (duplicates). It applies each id at most once by being
wrapped in ``common.inbox.services.inbox``, or by writing rows unique by
event id. A project declares its handlers by event type in its
``consumers.py`` (common.kafka.consumer.ConsumerSpec).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection

from common.events.event import Event

Handler = Callable[[list[Event]], Collection[uuid.UUID]]


class EventRejected(Exception):
    """Raised by a handler for an event it will never be able to apply (for
    example, about a user that does not exist). The runner sends it to the
    DLQ at once, without retries."""


class EventDiscarded(Exception):
    """Raised by a handler for an event a domain rule discards by design (a
    read for a user already deleted, a creation after the deletion). Nothing
    is applied (the inbox row rolls back with it); the runner acknowledges,
    logs and counts it by ``reason``, and does not dead-letter it: an
    expected race needs no person."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
