"""Kafka event handlers of the users service (see users_project/consumers.py).

A handler is an interface like a view: it loads what the event names and
calls a service. It runs inside the runner's transaction. The read history
is its own inbox (``inbox=False`` in users_project/consumers.py): a stored
read carries its event's unique id, so the handlers skip an event stored
before and say what they applied.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from common.events.event import Event
from common.events.rfc3339 import parse_rfc3339
from common.kafka.consumer import EventDiscarded
from users_project.accounts.models import User
from users_project.accounts.selectors import user_get
from users_project.accounts.services import NewRead, game_read_record, game_reads_record

# Why a user.read is discarded by design (the label of consumer_discarded_total).
DISCARD_USER_GONE = "user_gone"


def handle_user_read(event: Event) -> bool:
    """Store the read; False if this event's read is stored already."""
    user_id = uuid.UUID(event.data["user_id"])
    user = user_get(user_id=user_id)
    if user is None:
        # Games records a read only for a valid token, and users only sign
        # tokens for users that exist: a missing user was deleted after games
        # accepted the read (an expected race). Nothing to attach it to, and
        # no person needed: acknowledged and counted, not dead-lettered.
        raise EventDiscarded(DISCARD_USER_GONE, f"user {user_id} no longer exists")
    stored = game_read_record(
        user=user,
        game_id=event.data["game_id"],
        title=event.data["title"],
        read_at=parse_rfc3339(event.data["read_at"]),
        event_id=event.id,
    )
    return stored is not None


def handle_user_reads(events: list[Event]) -> Collection[uuid.UUID]:
    """The batch form: one query for the users, one insert for the reads;
    returns the ids of the events stored now. An unknown user sends the
    batch back to ``handle_user_read``, one by one."""
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
    known = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    if user_ids - known:
        # Rolls the batch back; the one-by-one path discards just those reads.
        raise EventDiscarded(DISCARD_USER_GONE, f"{len(user_ids - known)} users in the batch")
    return game_reads_record(reads=reads)
