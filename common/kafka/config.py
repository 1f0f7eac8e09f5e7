"""Connection settings shared by every Kafka client the services create."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.conf import settings


def bootstrap_servers() -> list[str]:
    return list(settings.KAFKA_BOOTSTRAP_SERVERS)


def client_id(role: str) -> str:
    """Name a client after its service, role and process, as brokers log it."""
    return f"{settings.SERVICE_NAME}-{role}-{socket.gethostname()}-{os.getpid()}"


def common_client_config(role: str) -> dict[str, Any]:
    return {
        "bootstrap_servers": bootstrap_servers(),
        "client_id": client_id(role),
        # Reconnect quickly after a broker restart, but do not hammer it.
        "reconnect_backoff_ms": 100,
        "reconnect_backoff_max_ms": 2000,
    }


def physical_topic(name: str) -> str:
    """The broker-side name of a topic (``KAFKA_TOPIC_PREFIX`` + name)."""
    return f"{settings.KAFKA_TOPIC_PREFIX}{name}"


def logical_topic(physical: str) -> str:
    """The code's name of a broker-side topic (the inverse of :func:`physical_topic`)."""
    return physical.removeprefix(settings.KAFKA_TOPIC_PREFIX)


def physical_group(group_id: str) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}{group_id}"
