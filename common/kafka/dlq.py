"""A consumer's dead letters: what it gives up on goes to ``<topic>.dlq``
with the reason in headers (read by ``dlq list/show/replay/purge``), unless
its :class:`DeadLetterPolicy` says the consumer must stop instead."""

from __future__ import annotations

from dataclasses import dataclass

from common.events.topics import dlq_topic
from common.kafka.deadletter_policy import DeadLetterPolicy
from common.kafka.metrics import ConsumerStats
from common.kafka.transport import Record, Transport
from common.logging import get_logger

log = get_logger(__name__)


@dataclass
class DeadLetterQueue:
    consumer: str
    transport: Transport
    policy: DeadLetterPolicy
    stats: ConsumerStats

    def send(self, record: Record, *, reason: str, error: str, counted: bool = True) -> None:
        """Send ``record`` to its DLQ; unless the policy says stop instead
        (raises :class:`DeadLetterLimitReached`, nothing sent). ``counted=False``:
        a dead letter the policy does not count."""
        if counted:
            self.policy.check_dead_letter()
        headers = [
            *(record.headers or []),
            ("dlq.reason", reason.encode()),
            ("dlq.error", error[:4000].encode()),
            ("dlq.consumer", self.consumer.encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
        ]
        dead_letters = dlq_topic(record.topic)
        # Acknowledged before the runner commits the offset past it.
        self.transport.send(dead_letters, key=record.key, value=record.value, headers=headers)
        if counted:
            self.policy.record_dead_letter()
        self.stats.count("dead_lettered", reason=reason)
        log.error("consumer.dead_lettered", reason=reason, error=error, dlq=dead_letters)
