"""What the consumer runner says to the broker. :class:`KafkaTransport` is
kafka-python; tests use an in-memory one (tests/support/consumers.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord as Record  # whoever the transport
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from common.kafka.config import common_client_config, physical_group, physical_topic
from common.kafka.producer import get_producer, reset_producer
from common.logging import get_logger

log = get_logger(__name__)

Headers = Sequence[tuple[str, bytes | None]]


class Transport(Protocol):
    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, Sequence[Record]]: ...

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Commit the next offset to read of each partition."""

    def send(self, topic: str, *, key: bytes | None, value: bytes, headers: Headers) -> None:
        """Write one message and wait for the broker's acknowledgement."""

    def close(self) -> None:
        """Forget the position: the next poll starts from the last commit."""


# The largest batch a poll returns (the runner lingers after smaller ones).
MAX_POLL_RECORDS = 500


class KafkaTransport:
    """A kafka-python consumer in its group, created on first use (so after a
    fork) and again after :meth:`close`; dead letters go through the
    process's producer."""

    def __init__(self, *, name: str, topics: Sequence[str], group_id: str) -> None:
        self.name, self.topics, self.group_id = name, tuple(topics), group_id
        self._consumer: KafkaConsumer | None = None

    @property
    def consumer(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                *(physical_topic(topic) for topic in self.topics),
                **common_client_config(f"consumer-{self.name}"),
                group_id=physical_group(self.group_id),
                enable_auto_commit=False,
                # A new group starts from the beginning, not only new messages.
                auto_offset_reset="earliest",
                max_poll_records=MAX_POLL_RECORDS,
                session_timeout_ms=10_000,
            )
        return self._consumer

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, Sequence[Record]]:
        return self.consumer.poll(timeout_ms=timeout_ms)

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        try:
            self.consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
        except CommitFailedError as exc:
            # A rebalance took the partitions; the new owner redelivers and
            # the handlers' inbox drops what was already applied.
            log.warning("consumer.commit_failed", error=str(exc))

    def send(self, topic: str, *, key: bytes | None, value: bytes, headers: Headers) -> None:
        try:
            get_producer().send(topic, key=key, value=value, headers=list(headers)).get(timeout=30)
        except KafkaError:
            reset_producer()  # as the relay does: a producer in a fatal state fails every send
            raise

    def close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close(autocommit=False)
            except KafkaError as exc:
                log.warning("consumer.close_failed", error=repr(exc))
            self._consumer = None
