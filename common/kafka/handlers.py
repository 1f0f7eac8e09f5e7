"""A handler takes a batch of events of one type, each id once, inside the
runner's transaction, and returns the ids it applied (the rest were
duplicates). It applies each at most once through ``inbox``, or by writing
rows unique by event id.
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
    read for a deleted user): nothing is applied, and the runner counts it by
    ``reason`` instead of dead-lettering it (an expected race needs no person)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
