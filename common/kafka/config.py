"""Connection settings shared by every Kafka client the services create."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from kafka import KafkaConsumer


def security_config() -> dict[str, Any]:
    """How every client authenticates, as kafka-python's keyword arguments;
    a mistake is refused here, not at the broker's handshake."""
    protocol = _one_of("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
    config: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        mechanism = _one_of("KAFKA_SASL_MECHANISM", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
        if not settings.KAFKA_SASL_USERNAME or not settings.KAFKA_SASL_PASSWORD:
            raise ImproperlyConfigured(
                f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME "
                "and KAFKA_SASL_PASSWORD"
            )
        config |= {
            "sasl_mechanism": mechanism,
            "sasl_plain_username": settings.KAFKA_SASL_USERNAME,
            "sasl_plain_password": settings.KAFKA_SASL_PASSWORD,
        }
    if protocol.endswith("SSL") and settings.KAFKA_SSL_CAFILE:
        config["ssl_cafile"] = settings.KAFKA_SSL_CAFILE
    return config


def _one_of(setting: str, *allowed: str) -> str:
    value = getattr(settings, setting).upper()
    if value not in allowed:
        raise ImproperlyConfigured(
            f"{setting}={value!r}: expected one of {', '.join(sorted(allowed))}"
        )
    return value


def common_client_config(role: str) -> dict[str, Any]:
    return {
        "bootstrap_servers": list(settings.KAFKA_BOOTSTRAP_SERVERS),
        # Named after its service, role and process, as brokers log it.
        "client_id": f"{settings.SERVICE_NAME}-{role}-{socket.gethostname()}-{os.getpid()}",
        # Reconnect quickly after a broker restart, but do not hammer it.
        "reconnect_backoff_ms": 100,
        "reconnect_backoff_max_ms": 2000,
        **security_config(),
    }


def offsets_reader(role: str, group: str | None = None) -> KafkaConsumer:
    """A consumer for the operator's tools, from the earliest offset kept, that never commits."""
    return KafkaConsumer(
        **common_client_config(role),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=10_000,
    )


def physical_topic(name: str) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}{name}"


physical_group = physical_topic
