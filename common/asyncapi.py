"""The event API as an AsyncAPI 3.0 document, generated from ``common.events``
so it cannot drift from the code (docs/events.md: where it is written,
served and checked)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from common.events import topics
from common.events.contracts import UUID_STRING, Contract, all_contracts
from common.events.envelope import ENVELOPE_FIELDS, MAX_EVENT_BYTES
from common.events.event import Event
from common.events.reads import user_read
from common.events.users import user_created, user_deleted
from common.outbox.services import CORRELATION_HEADER

ASYNCAPI_VERSION: Final = "3.0.0"
KAFKA_BINDING_VERSION: Final = "0.5.0"
# The document's own version: raise it when the event API changes.
API_VERSION: Final = "1.0.0"


@dataclass(frozen=True)
class Subscription:
    """A consumer group of a service (its registry: ``<project>/consumers.py``)."""

    service: str
    group_id: str
    topics: tuple[str, ...]
    description: str


# Checked against each project's CONSUMERS registry in its own tests:
# common may not import the projects.
SUBSCRIPTIONS: Final = (
    Subscription(
        "users",
        "users.read_history",
        (topics.USER_READ,),
        "Stores each user.read event in the user's read history, once.",
    ),
    Subscription(
        "games",
        "games.users_projection",
        (topics.USER_CREATED, topics.USER_DELETED),
        "Keeps the games service's projection of users; a deleted user's tokens stop working.",
    ),
)

# The outbox relay's headers (common/outbox/services.py and relay.py).
EVENT_HEADERS: Final[dict[str, dict[str, Any]]] = {
    "event_type": {"type": "string", "description": "The envelope's type, readable unparsed."},
    "event_id": {**UUID_STRING, "description": "The envelope's id, readable unparsed."},
    CORRELATION_HEADER: {
        "type": "string",
        "description": "The request or event that caused this one (absent if none).",
    },
}
# What a consumer adds to a message it gives up on (common/kafka/dlq.py).
DEAD_LETTER_HEADERS: Final[dict[str, dict[str, Any]]] = {
    "dlq.reason": {
        "type": "string",
        "enum": ["decode_error", "wrong_source", "rejected", "handler_error"],
        "description": "decode_error: not a valid event; wrong_source: its source does not "
        "own the topic; rejected: the handler refused it; "
        "handler_error: the handler failed on every retry.",
    },
    "dlq.error": {"type": "string", "maxLength": 4000, "description": "What went wrong."},
    "dlq.consumer": {"type": "string", "description": "The consumer that gave up on it."},
    "dlq.original_topic": {"type": "string", "description": "Where it was read from."},
    "dlq.original_partition": {"type": "string", "pattern": "^[0-9]+$"},
    "dlq.original_offset": {"type": "string", "pattern": "^[0-9]+$"},
}

_EXAMPLE_USER: Final = uuid.UUID("0b9e6f7a-3c2d-4e1f-8a7b-6c5d4e3f2a10")
_EXAMPLE_AT: Final = datetime(2026, 11, 29, 18, 0, 0, 123456, tzinfo=UTC)


def _examples() -> dict[tuple[str, int], Event]:
    """One event per contract, made by the same functions the services call."""
    events = [
        user_created(
            user_id=_EXAMPLE_USER, email="ada@example.com", name="Ada Lovelace", source="users"
        ),
        user_deleted(user_id=_EXAMPLE_USER, source="users"),
        user_read(
            user_id=_EXAMPLE_USER,
            game_id=3498,
            title="Grand Theft Auto V",
            read_at=_EXAMPLE_AT,
            source="games",
        ),
    ]
    return {
        (event.type, event.version): dataclasses.replace(
            event,
            id=uuid.uuid5(_EXAMPLE_USER, f"{event.type}.v{event.version}"),
            occurred_at=_EXAMPLE_AT,
        )
        for event in events
    }


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path)}


def _message_name(contract: Contract) -> str:
    return f"{contract.type}.v{contract.version}"


def _headers_schema(headers: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": headers}


KEY_SCHEMA: Final = {
    **UUID_STRING,
    "description": "The user's id: one user's events stay in order.",
}
ENVELOPE_SCHEMA: Final = {
    "type": "object",
    "description": "The JSON envelope every event travels in (UTF-8, at most "
    f"{MAX_EVENT_BYTES} bytes). Unknown fields, types or versions are rejected "
    "and end in the topic's dead-letter topic.",
    "required": list(ENVELOPE_FIELDS),
    "additionalProperties": False,
    "properties": {
        "id": {**UUID_STRING, "description": "Unique per event; consumers process each id once."},
        "type": {"type": "string", "description": "The event type, also the topic's name."},
        "version": {
            "type": "integer",
            "minimum": 1,
            "description": "The version of data's schema.",
        },
        "occurred_at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339, with an offset.",
        },
        "source": {"type": "string", "minLength": 1, "description": "The publishing service."},
        "data": {"type": "object"},
    },
}


def _message(contract: Contract, example: Event) -> dict[str, Any]:
    name = _message_name(contract)
    return {
        "name": name,
        "title": f"{contract.type} version {contract.version}",
        "summary": contract.description,
        "contentType": "application/json",
        "headers": _headers_schema(EVENT_HEADERS, ["event_type", "event_id"]),
        "payload": {
            "allOf": [
                _ref("components", "schemas", "Envelope"),
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": contract.type},
                        "version": {"const": contract.version},
                        "data": _ref("components", "schemas", name),
                    },
                },
            ]
        },
        "bindings": {"kafka": {"key": KEY_SCHEMA, "bindingVersion": KAFKA_BINDING_VERSION}},
        "examples": [
            {
                "name": name,
                "headers": {"event_type": example.type, "event_id": str(example.id)},
                "payload": example.to_dict(),
            }
        ],
    }


def _dead_letter_message(topic: str, example: Event) -> dict[str, Any]:
    dlq = topics.dlq_topic(topic)
    example_headers = {
        "event_type": example.type,
        "event_id": str(example.id),
        "dlq.reason": "rejected",
        "dlq.error": "unknown user",
        "dlq.consumer": next(s.group_id for s in SUBSCRIPTIONS if topic in s.topics),
        "dlq.original_topic": topic,
        "dlq.original_partition": "0",
        "dlq.original_offset": "42",
    }
    return {
        "name": f"{dlq}.letter",
        "title": f"A dead letter of {topic}",
        "summary": f"A message of {topic} its consumer could not handle, as it was read, "
        "with the reason in headers. A person lists, shows, replays or purges it "
        "(manage_users.py / manage_games.py dlq).",
        "headers": _headers_schema(
            {**EVENT_HEADERS, **DEAD_LETTER_HEADERS}, list(DEAD_LETTER_HEADERS)
        ),
        "payload": {
            "description": f"The original value, byte for byte: usually a {topic} "
            "event, but possibly anything (a message that is not an event)."
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The original key, unchanged."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [
            {"name": f"{dlq}.rejected", "headers": example_headers, "payload": example.to_dict()}
        ],
    }


def _operation(
    channel: str,
    action: str,
    service: str,
    summary: str,
    messages: list[str],
    group_id: str | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "action": action,
        "channel": _ref("channels", channel),
        "summary": summary,
        "tags": [{"name": service}],
        "messages": [_ref("channels", channel, "messages", name) for name in messages],
    }
    if group_id is not None:
        operation["bindings"] = {
            "kafka": {
                "groupId": {"type": "string", "enum": [group_id]},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        }
    return operation


def _channel(address: str, description: str, messages: list[str]) -> dict[str, Any]:
    return {
        "address": address,
        "title": address,
        "description": description,
        "messages": {name: _ref("components", "messages", name) for name in messages},
    }


def _topic_operations(topic: str, names: list[str], letter: str) -> dict[str, Any]:
    """Who sends to ``topic``, who receives from it, and who writes its dead letters."""
    publisher = topics.OWNERS[topic]  # the only service whose events that topic accepts
    summary = f"The {publisher} service publishes {topic} (outbox relay)."
    operations = {
        f"{publisher}.publish.{topic}": _operation(topic, "send", publisher, summary, names)
    }
    for sub in SUBSCRIPTIONS:
        if topic in sub.topics:
            operations[f"{sub.service}.consume.{topic}"] = _operation(
                topic, "receive", sub.service, sub.description, names, group_id=sub.group_id
            )
            operations[f"{sub.service}.dead_letter.{topic}"] = _operation(
                topics.dlq_topic(topic),
                "send",
                sub.service,
                f"The {sub.group_id} consumer writes what it cannot handle here.",
                [letter],
            )
    return operations


def build_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every topic, as a JSON-ready dict."""
    examples = _examples()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Envelope": ENVELOPE_SCHEMA}
    for topic in topics.ALL_TOPICS:
        versions = [c for c in all_contracts() if c.type == topic]
        names = [_message_name(c) for c in versions]
        for contract, name in zip(versions, names, strict=True):
            if (topic, contract.version) not in examples:
                raise LookupError(f"{name} has no example: add one to common.asyncapi._examples")
            schemas[name] = contract.data_schema
            messages[name] = _message(contract, examples[(topic, contract.version)])
        description = f"{versions[-1].description} Keyed by the user's id. "
        channels[topic] = _channel(
            topic, description + "Consumers accept every version listed.", names
        )
        dlq = topics.dlq_topic(topic)
        letter = f"{dlq}.letter"
        messages[letter] = _dead_letter_message(topic, examples[(topic, versions[-1].version)])
        channels[dlq] = _channel(dlq, f"Dead letters of {topic}.", [letter])
        operations |= _topic_operations(topic, names, letter)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "users and games: the event API",
            "version": API_VERSION,
            "description": "The Kafka topics the users and games services exchange. Every "
            "topic and consumer group name is prefixed with KAFKA_TOPIC_PREFIX (empty by "
            "default). Generated from common/events by `manage_users.py asyncapi`.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render_document() -> str:
    """The document as the JSON text written to docs/asyncapi.json and served."""
    return json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"


@cache
def _served() -> bytes:
    return render_document().encode()


@require_safe
def asyncapi_view(request: HttpRequest) -> HttpResponse:
    """The document, public like the OpenAPI one beside it (/api/schema/)."""
    return HttpResponse(_served(), content_type="application/json")
