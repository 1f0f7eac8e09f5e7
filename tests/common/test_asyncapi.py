"""The event API's AsyncAPI document (docs/asyncapi.json): valid for the
AsyncAPI parser, and true to what the code declares and sends. The document is
written by hand; these tests say what in it disagrees with the code."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from common.asyncapi import DOCUMENT
from common.events.envelope import CONTRACTS, ENVELOPE_FIELDS, MAX_EVENT_BYTES, decode
from common.events.topics import ALL_TOPICS, OWNERS, dlq_topic
from common.kafka.config import physical_topic
from common.kafka.consumer import EventRejected
from common.outbox.relay import OutboxRelay
from tests.common.test_consumer_runner import make_runner, run_until
from tests.common.test_outbox_relay import drain, enqueue_users
from tests.support.asyncapi import committed_document
from tests.support.kafka import read_all
from tests.support.tools import project_tool, run_node

VALIDATOR = Path(__file__).with_name("validate_asyncapi.mjs")
ERROR = 0  # the parser's severity of an error (1 warning, 2 information, 3 hint)


@cache
def parser_modules() -> str:
    return project_tool("asyncapi.sh", "parser", timeout=600)[-1]


def parser_diagnostics(document: str) -> list[dict[str, Any]]:
    return run_node(VALIDATOR, parser_modules(), stdin=document)


def errors(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in diagnostics if d["severity"] == ERROR]


def test_the_asyncapi_parser_finds_no_error_in_the_document() -> None:
    assert errors(parser_diagnostics(DOCUMENT.read_text(encoding="utf-8"))) == []


def test_the_parser_check_fails_on_a_broken_reference() -> None:
    broken = DOCUMENT.read_text(encoding="utf-8").replace(
        '"#/components/schemas/Envelope"', '"#/components/schemas/Nowhere"'
    )
    found = errors(parser_diagnostics(broken))
    assert found and {d["code"] for d in found} == {"invalid-ref"}


def test_every_topic_and_its_dead_letter_topic_is_a_channel() -> None:
    addresses = {channel["address"] for channel in committed_document()["channels"].values()}
    assert addresses == set(ALL_TOPICS) | {dlq_topic(topic) for topic in ALL_TOPICS}


def test_one_service_publishes_each_topic_and_the_other_consumes_it_in_a_group() -> None:
    operations = committed_document()["operations"].values()
    for topic in ALL_TOPICS:
        on_topic = [op for op in operations if op["channel"]["$ref"] == f"#/channels/{topic}"]
        senders = {op["tags"][0]["name"] for op in on_topic if op["action"] == "send"}
        receivers = {op["tags"][0]["name"] for op in on_topic if op["action"] == "receive"}
        assert senders == {OWNERS[topic]} and receivers and not senders & receivers, topic
        # Each receiving service writes what it cannot handle to the dead-letter topic.
        dlq = f"#/channels/{dlq_topic(topic)}"
        dead_letters = [op for op in operations if op["channel"]["$ref"] == dlq]
        assert {op["tags"][0]["name"] for op in dead_letters} == receivers, topic
        assert {op["action"] for op in dead_letters} == {"send"}, topic
        for op in on_topic:
            assert (op["action"] == "receive") == (
                "groupId" in op.get("bindings", {}).get("kafka", {})
            )


def payload_validator(document: dict[str, Any], message: str) -> Any:
    """The document's payload schema of ``message``, its references resolved in the document."""
    return jsonschema_rs.Draft7Validator(
        {**document, "$ref": f"#/components/messages/{message}/payload"}, validate_formats=True
    )


def test_every_contract_is_a_message_with_its_schema_and_an_example_the_code_accepts() -> None:
    document = committed_document()
    schemas, messages = document["components"]["schemas"], document["components"]["messages"]
    names = {f"{contract.type}.v{contract.version}" for contract in CONTRACTS}
    assert set(schemas) == names | {"Envelope"}
    assert {name for name in messages if not name.endswith(".letter")} == names
    for contract in CONTRACTS:
        name = f"{contract.type}.v{contract.version}"
        assert schemas[name] == contract.data_schema
        assert f"#/components/messages/{name}" in json.dumps(document["channels"][contract.type])
        [example] = messages[name]["examples"]
        event = decode(json.dumps(example["payload"]).encode())
        assert (event.type, event.version) == (contract.type, contract.version)
        validator = payload_validator(document, name)
        assert validator.is_valid(example["payload"])
        # The document's schema is as strict as the code: a missing field fails.
        broken = {**example["payload"], "data": {}}
        assert not validator.is_valid(broken)


def test_the_envelope_is_the_one_the_decoder_reads() -> None:
    envelope = committed_document()["components"]["schemas"]["Envelope"]
    assert envelope["required"] == list(ENVELOPE_FIELDS)
    assert list(envelope["properties"]) == list(ENVELOPE_FIELDS)
    assert envelope["additionalProperties"] is False
    assert f"at most {MAX_EVENT_BYTES} bytes" in envelope["description"]


def test_every_example_fits_its_message_headers_and_payload() -> None:
    # The parser does not check examples against their schemas in AsyncAPI 3.
    document = committed_document()
    for name, message in document["components"]["messages"].items():
        assert message["examples"], name
        for example in message["examples"]:
            assert jsonschema_rs.is_valid(message["headers"], example["headers"]), name
            assert payload_validator(document, name).is_valid(example["payload"]), name


@pytest.mark.django_db(transaction=True)
def test_a_published_event_and_its_dead_letter_carry_the_documented_key_and_headers(
    kafka_topic: str,
) -> None:
    document = committed_document()
    message = document["components"]["messages"]["user.created.v1"]
    letter = document["components"]["messages"]["user.created.dlq.letter"]
    [event_id] = enqueue_users(kafka_topic, 1, correlation_id="req-asyncapi")
    drain(OutboxRelay())
    [record] = read_all(physical_topic(kafka_topic), expected=1)

    assert decode(record.value).id == event_id
    assert jsonschema_rs.is_valid(message["bindings"]["kafka"]["key"], record.key.decode())
    assert payload_validator(document, "user.created.v1").is_valid(json.loads(record.value))
    headers = {name: value.decode() for name, value in record.headers}
    assert set(headers) == set(message["headers"]["properties"])
    assert jsonschema_rs.is_valid(message["headers"], headers)

    def reject(_event: object) -> None:
        raise EventRejected("not today")

    runner = make_runner(kafka_topic, reject)
    run_until(runner, lambda: runner.stats.dead_lettered == 1)
    [dead] = read_all(physical_topic(dlq_topic(kafka_topic)), expected=1)
    dead_headers = {name: value.decode() for name, value in dead.headers}
    assert set(dead_headers) == set(letter["headers"]["properties"])
    assert jsonschema_rs.is_valid(letter["headers"], dead_headers, validate_formats=True)
    assert dead.key == record.key and dead.value == record.value
    assert uuid.UUID(dead_headers["event_id"]) == event_id
