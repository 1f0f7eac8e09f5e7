"""The chart's Kafka users, enforced by a real broker: the KafkaUser ACLs of
the production values are applied to a node that requires SCRAM-SHA-512 and
authorizes every request (``scripts/services.sh scram-up``), and the
services' own clients (``common.kafka``), configured by the settings the
chart gives the pods, connect as those users.

Each service may write only its own topics and its dead letters, and read
only what it consumes with its own group: users cannot write user.read,
games cannot write user.created or user.deleted.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    NewTopic,
    ResourcePattern,
    ResourceType,
)
from kafka.admin._users import ScramMechanism, UserScramCredentialUpsertion
from kafka.errors import KafkaError, TopicAuthorizationFailedError

from common.events.topics import ALL_TOPICS, USER_CREATED, USER_DELETED, USER_READ, dlq_topic
from common.kafka.consumer import ConsumerSpec
from common.kafka.producer import build_producer
from common.kafka.transport import KafkaTransport
from tests.deploy.test_helm_chart import CONFIGURATIONS, ROOT, of_kind, render
from tests.support.processes import without_this_runs_settings_module

pytestmark = pytest.mark.timeout(900)

SCRIPT = ROOT / "scripts" / "services.sh"
# Unique per run: the node keeps its topics and ACLs between runs.
PREFIX = f"acl{uuid.uuid4().hex[:8]}."
ALL_NAMES = [name for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))]


def admin_security(password: str) -> dict[str, Any]:
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "admin",
        "sasl_plain_password": password,
    }


def kafka_users() -> dict[str, dict[str, Any]]:
    """The production values' KafkaUsers, by name, with this run's prefix."""
    resources = render(*CONFIGURATIONS["production"], "--set", f"kafka.topicPrefix={PREFIX}")
    return {user["metadata"]["name"]: user for user in of_kind(resources, "KafkaUser")}


def service_user(service: str) -> str:
    (name,) = [n for n in kafka_users() if n.endswith(f"-{service}")]
    return name


@pytest.fixture(scope="module")
def broker() -> Iterator[dict[str, Any]]:
    """The SCRAM node, with this run's topics, users (random passwords) and
    the chart's ACLs; yields the bootstrap address and each user's password."""
    done = subprocess.run(
        [str(SCRIPT), "scram-up"], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    bootstrap, password_file = done.stdout.strip().splitlines()[-1].split()
    admin = KafkaAdminClient(
        bootstrap_servers=[bootstrap],
        client_id="acl-test-admin",
        **admin_security(Path(password_file).read_text().strip()),
    )
    passwords = {name: secrets.token_urlsafe(18) for name in kafka_users()}
    try:
        admin.create_topics(
            [NewTopic(f"{PREFIX}{name}", 1, 1) for name in ALL_NAMES], validate_only=False
        )
        errors = admin.alter_user_scram_credentials(
            [
                UserScramCredentialUpsertion(name, ScramMechanism.SCRAM_SHA_512, password)
                for name, password in passwords.items()
            ]
        )
        assert not any(errors.values()), errors
        acls = [
            ACL(
                principal=f"User:{name}",
                host=rule["host"],
                operation=ACLOperation[operation.upper()],
                permission_type=ACLPermissionType.ALLOW,
                resource_pattern=ResourcePattern(
                    ResourceType[rule["resource"]["type"].upper()],
                    rule["resource"]["name"],
                    ACLResourcePatternType[rule["resource"]["patternType"].upper()],
                ),
            )
            for name, user in kafka_users().items()
            for rule in user["spec"]["authorization"]["acls"]
            for operation in rule["operations"]
        ]
        created = admin.create_acls(acls)
        assert created["failed"] == [], created
        yield {"bootstrap": bootstrap, "passwords": passwords}
    finally:
        admin.close()
        subprocess.run([str(SCRIPT), "scram-down"], check=False, timeout=300)


def as_user(broker: dict[str, Any], name: str, *, password: str | None = None) -> Any:
    """The settings a pod of the chart gets, pointed at the test node."""
    return override_settings(
        KAFKA_BOOTSTRAP_SERVERS=[broker["bootstrap"]],
        KAFKA_TOPIC_PREFIX=PREFIX,
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        KAFKA_SASL_USERNAME=name,
        KAFKA_SASL_PASSWORD=password or broker["passwords"][name],
    )


def writable_topics(broker: dict[str, Any], name: str) -> set[str]:
    """The topics the service's own producer gets an acknowledgement on (a
    producer per topic: a refusal leaves an idempotent producer fatal)."""
    allowed = set()
    with as_user(broker, name):
        for topic in ALL_NAMES:
            producer = build_producer()
            try:
                producer.send(f"{PREFIX}{topic}", key=b"k", value=b"{}").get(timeout=30)
                allowed.add(topic)
            except TopicAuthorizationFailedError:
                pass
            finally:
                producer.close(timeout=5)
    return allowed


def test_each_service_writes_only_its_own_topics_and_its_dead_letters(broker: dict) -> None:
    users = writable_topics(broker, service_user("users"))
    games = writable_topics(broker, service_user("games"))
    assert users == {USER_CREATED, USER_DELETED, dlq_topic(USER_READ)}
    assert games == {USER_READ, dlq_topic(USER_CREATED), dlq_topic(USER_DELETED)}
    # The forgeries the ACLs exist to stop.
    assert USER_READ not in users
    assert not {USER_CREATED, USER_DELETED} & games


def consumed(broker: dict[str, Any], name: str, spec: ConsumerSpec) -> int:
    """Records the service's own consumer client reads, in its own group,
    with the offsets committed (as the runner does)."""
    with as_user(broker, name):
        transport = KafkaTransport(name=spec.name, topics=spec.topics, group_id=spec.group_id)
        try:
            seen = 0
            for _ in range(30):
                batch = transport.poll(timeout_ms=1000)
                seen += sum(len(records) for records in batch.values())
                if seen:
                    transport.consumer.commit()
                    return seen
            return seen
        finally:
            transport.close()


def spec(topics: tuple[str, ...], group: str) -> ConsumerSpec:
    return ConsumerSpec(name=group, topics=topics, group_id=group, handlers={})


def test_each_service_reads_what_it_consumes_in_its_group_and_nothing_else(
    broker: dict,
) -> None:
    users, games = service_user("users"), service_user("games")
    # Something to read, written by each topic's owner.
    writable_topics(broker, users)
    writable_topics(broker, games)
    registries = consumer_registries()
    (users_spec,) = registries["users"]
    (games_spec,) = registries["games"]
    assert consumed(broker, users, spec(tuple(users_spec["topics"]), users_spec["group"])) >= 1
    assert consumed(broker, games, spec(tuple(games_spec["topics"]), games_spec["group"])) >= 2
    # Another's topic, or its own topic in another group, is refused.
    with pytest.raises(KafkaError):
        consumed(broker, users, spec((USER_CREATED,), users_spec["group"]))
    with pytest.raises(KafkaError):
        consumed(broker, games, spec((USER_CREATED,), "games.someone-else"))


def test_a_wrong_password_gets_no_connection(broker: dict) -> None:
    wrong = as_user(broker, service_user("users"), password="not-the-password")
    with wrong, pytest.raises(KafkaError):
        build_producer().send(f"{PREFIX}{USER_CREATED}", value=b"{}").get(timeout=30)


def consumer_registries() -> dict[str, list[dict[str, Any]]]:
    """Each project's consumers (topics and group), read under its own settings."""
    script = (
        "import json; from common.kafka.consumer import consumer_registry; "
        "print(json.dumps([{'topics': list(s.topics), 'group': s.group_id} "
        "for s in consumer_registry().values()]))"
    )
    registries = {}
    for project in ("users", "games"):
        done = subprocess.run(
            [sys.executable, str(ROOT / f"manage_{project}.py"), "shell", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
            env=without_this_runs_settings_module(),
        )
        assert done.returncode == 0, done.stderr
        registries[project] = json.loads(done.stdout.strip().splitlines()[-1])
    return registries


def test_the_charts_access_lists_are_the_consumer_registries() -> None:
    """Each service's KafkaUser reads exactly the topics, and uses exactly the
    groups, of its consumers (users_project/consumers.py, games_project/...)."""
    for service, consumers in consumer_registries().items():
        acls = kafka_users()[service_user(service)]["spec"]["authorization"]["acls"]
        read_topics = {
            a["resource"]["name"].removeprefix(PREFIX)
            for a in acls
            if a["resource"]["type"] == "topic" and "Read" in a["operations"]
        }
        groups = {
            a["resource"]["name"].removeprefix(PREFIX)
            for a in acls
            if a["resource"]["type"] == "group"
        }
        topics = {t for c in consumers for t in c["topics"]}
        assert read_topics == topics | {dlq_topic(t) for t in topics}, service
        assert groups == {c["group"] for c in consumers}, service
