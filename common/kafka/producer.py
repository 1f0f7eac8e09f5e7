"""One Kafka producer per process, created lazily in that process.

kafka-python clients own background threads and sockets: a producer created
before gunicorn or Celery forks would be shared by the children and break.
The accessor remembers which process built the producer and builds a new one
after a fork.
"""

from __future__ import annotations

import contextlib
import os
import threading

from django.conf import settings
from kafka import KafkaProducer

from common.kafka.config import common_client_config

_lock = threading.Lock()
_producer: KafkaProducer | None = None
_owner_pid: int | None = None


def build_producer() -> KafkaProducer:
    return KafkaProducer(
        **common_client_config("producer"),
        # Idempotence and acks=all: a retried send is written once, and only
        # acknowledged once every in-sync replica has it.
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        compression_type=None,
        # Fail fast while the broker is away; the outbox relay retries with backoff.
        max_block_ms=settings.KAFKA_PRODUCER_MAX_BLOCK_MS,
        request_timeout_ms=10_000,
        delivery_timeout_ms=settings.KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS,
        bootstrap_timeout_ms=settings.KAFKA_PRODUCER_MAX_BLOCK_MS,
    )


def get_producer() -> KafkaProducer:
    global _producer, _owner_pid
    with _lock:
        if _producer is None or _owner_pid != os.getpid():
            _producer = build_producer()
            _owner_pid = os.getpid()
        return _producer


def reset_producer() -> None:
    """Drop this process's producer (after fatal errors); the next call builds one."""
    global _producer, _owner_pid
    with _lock:
        if _producer is not None and _owner_pid == os.getpid():
            # Closing a broken client must not raise; it is being thrown away.
            with contextlib.suppress(Exception):
                _producer.close(timeout=2)
        _producer = None
        _owner_pid = None
