"""Topic administration and broker readiness."""

from __future__ import annotations

import time
from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, TopicAlreadyExistsError

from common.kafka.config import common_client_config


def wait_until_ready(*, timeout: float) -> bool:
    """Poll until the cluster answers a metadata request, or ``timeout``
    passes: a KRaft node accepts connections before its quorum forms."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with KafkaAdminClient(
                **common_client_config("readiness"),
                request_timeout_ms=5_000,
                bootstrap_timeout_ms=5_000,
            ) as admin:
                admin.list_topics()
            return True
        except (KafkaError, OSError):
            if time.monotonic() >= deadline:
                return False
            time.sleep(1)


def ensure_topics(topics: Iterable[str], *, partitions: int, replication_factor: int) -> list[str]:
    """Create the topics that are missing; return the names created."""
    with KafkaAdminClient(**common_client_config("topic-admin")) as admin:
        existing = set(admin.list_topics())
        if not (missing := [name for name in topics if name not in existing]):
            return []
        shape = {"num_partitions": partitions, "replication_factor": replication_factor}
        created = admin.create_topics(dict.fromkeys(missing, shape), raise_errors=False)
        # Another process may have just created one; any other refusal says why.
        if refused := [
            f"{topic['name']}: {topic['error_message']}"
            for topic in created["topics"]
            if topic["error_code"] not in (0, TopicAlreadyExistsError.errno)
        ]:
            raise KafkaError(f"topics not created: {'; '.join(refused)}")
        admin.wait_for_topics(missing)
        return missing


def offset_ranges(
    client: KafkaConsumer, topics: Iterable[str]
) -> dict[TopicPartition, tuple[int, int]]:
    """The first kept and the end offset of every partition of ``topics``
    (broker-side names); none of a missing topic."""
    partitions = [
        TopicPartition(topic, partition)
        for topic in topics
        for partition in sorted(client.partitions_for_topic(topic) or ())
    ]
    begins, ends = client.beginning_offsets(partitions), client.end_offsets(partitions)
    return {tp: (begins[tp], ends[tp]) for tp in partitions}
