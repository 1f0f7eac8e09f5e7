"""Kafka handlers, wrapped in no inbox: the read history is one (a read keeps its event's id)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from common.events.event import Event
from common.events.rfc3339 import parse_rfc3339
from common.kafka.consumer import EventDiscarded
from users_project.accounts.models import User
from users_project.accounts.services import NewRead, game_reads_record


def handle_user_reads(events: list[Event]) -> Collection[uuid.UUID]:
    """Store the reads; return the ids of the events stored now."""
    reads = [
        NewRead(
            user_id=uuid.UUID(event.data["user_id"]),
            game_id=event.data["game_id"],
            title=event.data["title"],
            read_at=parse_rfc3339(event.data["read_at"]),
            event_id=event.id,
        )
        for event in events
    ]
    user_ids = {read.user_id for read in reads}
    if gone := user_ids - set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True)):
        # Deleted after games accepted the read: an expected race. In a batch
        # the runner then goes one by one, so only those reads are discarded.
        raise EventDiscarded("user_gone", f"users {', '.join(map(str, sorted(gone)))}")
    return game_reads_record(reads=reads)
