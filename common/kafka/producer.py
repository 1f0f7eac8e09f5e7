"""One Kafka producer per process, built in that process (after a fork):
kafka-python clients own threads and sockets."""

from __future__ import annotations

from django.conf import settings
from kafka import KafkaProducer

from common.kafka.config import common_client_config
from common.per_process import PerProcess


def build_producer() -> KafkaProducer:
    return KafkaProducer(
        **common_client_config("producer"),
        # Idempotence and acks=all: a retried send is written once, and only
        # acknowledged once every in-sync replica has it.
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        # Fail fast while the broker is away; the outbox relay retries with backoff.
        max_block_ms=settings.KAFKA_PRODUCER_MAX_BLOCK_MS,
        request_timeout_ms=10_000,
        delivery_timeout_ms=settings.KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS,
        bootstrap_timeout_ms=settings.KAFKA_PRODUCER_MAX_BLOCK_MS,
    )


_producer = PerProcess(build_producer, close=lambda producer: producer.close(timeout=2))
get_producer = _producer.get
# After fatal errors: the next get_producer() builds a new one.
reset_producer = _producer.reset
