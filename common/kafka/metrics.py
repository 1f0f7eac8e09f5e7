"""Counters of the consumers and outbox relays (served on --metrics-port),
and a consumer's own tally of what it handled."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter

CONSUMER_EVENTS = Counter(
    "consumer_events_total",
    "Messages handled by a consumer, by outcome "
    "(processed, duplicate, dead_lettered, discarded, failed_attempt)",
    ["consumer", "outcome"],
)
CONSUMER_DISCARDED = Counter(
    "consumer_discarded_total",
    "Events a domain rule discarded by design (acknowledged, not dead-lettered), by reason",
    ["consumer", "reason"],
)
CONSUMER_DEAD_LETTERS = Counter(
    "consumer_dead_letters_total",
    "Messages a consumer sent to <topic>.dlq, by dlq.reason "
    "(decode_error, rejected, handler_error, wrong_source)",
    ["consumer", "reason"],
)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox rows published to Kafka")
OUTBOX_FAILED = Counter(
    "outbox_publish_failures_total", "Outbox rows whose publish failed (retried)"
)


@dataclass
class ConsumerStats:
    """What one consumer handled, by outcome: here and in the exported counters."""

    consumer: str
    processed: int = 0
    duplicate: int = 0
    dead_lettered: int = 0
    discarded: int = 0
    failed_attempt: int = 0

    def count(self, outcome: str, n: int = 1, *, reason: str = "") -> None:
        setattr(self, outcome, getattr(self, outcome) + n)
        CONSUMER_EVENTS.labels(self.consumer, outcome).inc(n)
        if outcome == "discarded":
            CONSUMER_DISCARDED.labels(self.consumer, reason).inc(n)
        elif outcome == "dead_lettered":
            CONSUMER_DEAD_LETTERS.labels(self.consumer, reason).inc(n)
