"""The clients' authentication settings (KAFKA_SECURITY_PROTOCOL,
KAFKA_SASL_*, KAFKA_SSL_CAFILE) become kafka-python's arguments for every
client the services build. tests/deploy/test_kafka_acls.py connects with
them to a broker that requires SCRAM."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from common.kafka.config import common_client_config, security_config

SCRAM = {
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SASL_USERNAME": "users-games-users",
    "KAFKA_SASL_PASSWORD": "from-the-secret",
    "KAFKA_SSL_CAFILE": "/etc/kafka-ca/ca.crt",
}


def test_by_default_clients_use_plaintext_without_credentials() -> None:
    assert security_config() == {"security_protocol": "PLAINTEXT"}


def test_scram_over_tls_gives_the_user_password_and_ca_to_every_client() -> None:
    with override_settings(**SCRAM):
        config = common_client_config("producer")
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "users-games-users"
    assert config["sasl_plain_password"] == "from-the-secret"
    assert config["ssl_cafile"] == "/etc/kafka-ca/ca.crt"


def test_a_ca_file_is_ignored_without_tls() -> None:
    with override_settings(**{**SCRAM, "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext"}):
        config = security_config()
    assert config["security_protocol"] == "SASL_PLAINTEXT"
    assert "ssl_cafile" not in config


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"KAFKA_SASL_PASSWORD": ""}, "KAFKA_SASL_PASSWORD"),
        ({"KAFKA_SASL_USERNAME": ""}, "KAFKA_SASL_USERNAME"),
        ({"KAFKA_SASL_MECHANISM": "GSSAPI"}, "KAFKA_SASL_MECHANISM"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL"}, "KAFKA_SECURITY_PROTOCOL"),
    ],
)
def test_incomplete_or_unknown_settings_are_refused_before_connecting(
    override: dict[str, str], message: str
) -> None:
    with (
        override_settings(**{**SCRAM, **override}),
        pytest.raises(ImproperlyConfigured, match=message),
    ):
        security_config()
