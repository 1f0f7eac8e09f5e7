"""Replay and purge dead letters (docs/operations.md). A replay sends the
same key and value, so the same event id, which the inbox applies at most
once; each action is a ``DeadLetterAction`` row."""

from __future__ import annotations

from django.utils import timezone

from common.deadletters.models import DeadLetterAction
from common.deadletters.reader import DeadLetter, replay_refusals
from common.kafka.producer import get_producer
from common.logging import get_logger

log = get_logger(__name__)


def _action(letter: DeadLetter, kind: str, *, by: str, detail: str) -> DeadLetterAction:
    return DeadLetterAction(
        dlq_topic=letter.dlq_topic,
        partition=letter.partition,
        offset=letter.offset,
        action=kind,
        event_id=letter.event_id,
        performed_by=by[:150],
        detail=detail[:500],
    )


def dead_letters_replay(
    *, letters: list[DeadLetter], performed_by: str
) -> tuple[list[tuple[DeadLetter, str]], dict[str, str]]:
    """Republish ``letters`` oldest first (so each key keeps its order) to the
    topics their DLQs belong to, except those ``replay_refusals`` refuses;
    return each replayed with where the broker wrote it, and the refusals."""
    refused = replay_refusals(letters)
    producer = get_producer()
    replayed: list[tuple[DeadLetter, str]] = []
    at = timezone.now().isoformat()
    todo = [letter for letter in letters if letter.id not in refused]
    for letter in sorted(todo, key=lambda item: (item.dead_at, item.id)):
        headers = [h for h in letter.headers if not h[0].startswith(("dlq.", "replay."))]
        headers += [
            ("replay.from", letter.id.encode()),
            ("replay.by", performed_by.encode()),
            ("replay.at", at.encode()),
        ]
        topic = str(letter.replay_topic)  # not None: replay_refusals refused those
        sent = producer.send(topic, key=letter.key, value=letter.value, headers=headers)
        metadata = sent.get(timeout=30)
        target = f"{metadata.topic}:{metadata.partition}:{metadata.offset}"
        _action(
            letter, DeadLetterAction.Kind.REPLAYED, by=performed_by, detail=f"to {target}"
        ).save()
        log.info("dlq.replayed", dead_letter=letter.id, target=target, by=performed_by)
        replayed.append((letter, target))
    return replayed, refused


def dead_letters_purge(*, letters: list[DeadLetter], performed_by: str, note: str) -> None:
    """Mark ``letters`` purged: hidden from ``dlq list``, left to retention."""
    DeadLetterAction.objects.bulk_create(
        [
            _action(letter, DeadLetterAction.Kind.PURGED, by=performed_by, detail=note)
            for letter in letters
        ]
    )
    log.info("dlq.purged", count=len(letters), by=performed_by)
