"""A handler takes a batch of events of one type, each id once, inside the
runner's transaction, and returns the ids it applied (the rest were
duplicates): at most once through ``inbox``, or rows unique by event id."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection

from common.events.event import Event

Handler = Callable[[list[Event]], Collection[uuid.UUID]]


class EventRejected(Exception):
    """An event the handler will never be able to apply: dead-lettered at
    once, without retries."""


class EventDiscarded(Exception):
    """An event a domain rule discards by design (a read for a deleted
    user): counted by ``reason``, not dead-lettered (an expected race needs no person)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
