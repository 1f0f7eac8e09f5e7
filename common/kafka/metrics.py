"""Counters of the consumers and outbox relays (served on --metrics-port)."""

from prometheus_client import Counter, Gauge

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
CONSUMER_LAG = Gauge(
    "consumer_lag_messages",
    "Messages on the broker not yet consumed, per assigned partition",
    ["consumer", "topic", "partition"],
)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox rows published to Kafka")
OUTBOX_FAILED = Counter(
    "outbox_publish_failures_total", "Outbox rows whose publish failed (retried)"
)
OUTBOX_BACKLOG = Gauge("outbox_backlog_rows", "Outbox rows not yet published")
