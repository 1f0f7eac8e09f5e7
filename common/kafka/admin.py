"""Topic administration and broker readiness; ``python -m common.kafka.admin
--bootstrap HOST:PORT --timeout S [--scram-user U --scram-password P]``
(scripts/services.sh, no Django settings) exits 0 once the broker answers
metadata requests, 1 when the timeout passes."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, TopicAlreadyExistsError


def wait_until_ready(
    bootstrap: list[str], *, timeout: float, security: Mapping[str, Any] | None = None
) -> bool:
    """Poll until the cluster answers a metadata request, or ``timeout``
    passes: a KRaft node accepts connections before its quorum forms."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap,
                request_timeout_ms=5_000,
                bootstrap_timeout_ms=5_000,
                client_id="readiness-check",
                **(security or {}),
            )
            try:
                admin.list_topics()
                return True
            finally:
                admin.close()
        except (KafkaError, OSError):
            if time.monotonic() >= deadline:
                return False
            time.sleep(1)


def ensure_topics(
    bootstrap: list[str],
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
    security: Mapping[str, Any] | None = None,
) -> list[str]:
    """Create the topics that are missing; return the names created."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="topic-admin", **(security or {})
    )
    try:
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
    finally:
        admin.close()


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
    if not partitions:
        return {}
    begins, ends = client.beginning_offsets(partitions), client.end_offsets(partitions)
    return {tp: (begins[tp], ends[tp]) for tp in partitions}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--scram-user", default="")
    parser.add_argument("--scram-password", default="")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    security = {}
    if args.scram_user:
        security = {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": args.scram_user,
            "sasl_plain_password": args.scram_password,
        }
    ready = wait_until_ready(args.bootstrap.split(","), timeout=args.timeout, security=security)
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
