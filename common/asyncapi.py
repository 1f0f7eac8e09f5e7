"""The event API as an AsyncAPI 3.0 document, generated from ``common.events``
so it cannot drift from the code (docs/events.md)."""

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


@dataclass(frozen=True)
class Subscription:
    service: str
    group_id: str
    topics: tuple[str, ...]
    description: str


# Checked against each project's CONSUMERS in its tests: common may not import the projects.
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
# What a consumer adds to a message it gives up on (ConsumerRunner._dead_letter).
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


def _examples() -> dict[tuple[str, int], Event]:
    """One event per contract, made by the functions the services call."""
    user = uuid.UUID("0b9e6f7a-3c2d-4e1f-8a7b-6c5d4e3f2a10")
    at = datetime(2026, 11, 29, 18, 0, 0, 123456, tzinfo=UTC)
    events = [
        user_created(user_id=user, email="ada@example.com", name="Ada Lovelace", source="users"),
        user_deleted(user_id=user, source="users"),
        user_read(
            user_id=user, game_id=3498, title="Grand Theft Auto V", read_at=at, source="games"
        ),
    ]
    return {
        (e.type, e.version): dataclasses.replace(
            e, id=uuid.uuid5(user, f"{e.type}.v{e.version}"), occurred_at=at
        )
        for e in events
    }


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path)}


def _kafka(**binding: Any) -> dict[str, Any]:
    return {"kafka": {**binding, "bindingVersion": "0.5.0"}}  # the Kafka bindings' version


def _message(contract: Contract, example: Event) -> dict[str, Any]:
    name = f"{contract.type}.v{contract.version}"
    narrowed = {"type": {"const": contract.type}, "version": {"const": contract.version}}
    return {
        "name": name,
        "title": f"{contract.type} version {contract.version}",
        "summary": contract.description,
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "required": ["event_type", "event_id"],
            "properties": EVENT_HEADERS,
        },
        "payload": {
            "allOf": [
                _ref("components", "schemas", "Envelope"),
                {
                    "type": "object",
                    "properties": {**narrowed, "data": _ref("components", "schemas", name)},
                },
            ]
        },
        "bindings": _kafka(
            key={**UUID_STRING, "description": "The user's id: one user's events stay in order."}
        ),
        "examples": [
            {
                "name": name,
                "headers": {"event_type": example.type, "event_id": str(example.id)},
                "payload": example.to_dict(),
            }
        ],
    }


def _dead_letter_message(topic: str, consumer: str, example: Event) -> dict[str, Any]:
    dlq = topics.dlq_topic(topic)
    headers = {"event_type": example.type, "event_id": str(example.id), "dlq.reason": "rejected"}
    headers |= {"dlq.error": "unknown user", "dlq.consumer": consumer, "dlq.original_topic": topic}
    headers |= {"dlq.original_partition": "0", "dlq.original_offset": "42"}
    return {
        "name": f"{dlq}.letter",
        "title": f"A dead letter of {topic}",
        "summary": f"A message of {topic} its consumer could not handle, as it was read, "
        "with the reason in headers. A person lists, shows, replays or purges it "
        "(manage_users.py / manage_games.py dlq).",
        "headers": {
            "type": "object",
            "required": list(DEAD_LETTER_HEADERS),
            "properties": {**EVENT_HEADERS, **DEAD_LETTER_HEADERS},
        },
        "payload": {
            "description": f"The original value, byte for byte: usually a {topic} "
            "event, but possibly anything (a message that is not an event)."
        },
        "bindings": _kafka(key={"type": "string", "description": "The original key, unchanged."}),
        "examples": [{"name": f"{dlq}.rejected", "headers": headers, "payload": example.to_dict()}],
    }


def _operation(
    channel: str, action: str, service: str, summary: str, messages: list[str]
) -> dict[str, Any]:
    return {
        "action": action,
        "channel": _ref("channels", channel),
        "summary": summary,
        "tags": [{"name": service}],
        "messages": [_ref("channels", channel, "messages", name) for name in messages],
    }


def _channel(address: str, description: str, messages: list[str]) -> dict[str, Any]:
    return {
        "address": address,
        "title": address,
        "description": description,
        "messages": {name: _ref("components", "messages", name) for name in messages},
    }


def _topic(topic: str, doc: dict[str, Any], examples: dict[tuple[str, int], Event]) -> None:
    """Add ``topic``, its dead-letter topic, their messages and operations to ``doc``."""
    versions = [c for c in all_contracts() if c.type == topic]
    if missing := [c.version for c in versions if (topic, c.version) not in examples]:
        raise LookupError(f"no example of {topic} version {missing}: add one to _examples()")
    names = [f"{topic}.v{c.version}" for c in versions]
    messages = doc["components"]["messages"]
    for contract, name in zip(versions, names, strict=True):
        doc["components"]["schemas"][name] = contract.data_schema
        messages[name] = _message(contract, examples[(topic, contract.version)])
    description = f"{versions[-1].description} Keyed by the user's id. "
    doc["channels"][topic] = _channel(
        topic, description + "Consumers accept every version listed.", names
    )
    dlq, letter = topics.dlq_topic(topic), f"{topics.dlq_topic(topic)}.letter"
    doc["channels"][dlq] = _channel(dlq, f"Dead letters of {topic}.", [letter])
    publisher = topics.OWNERS[topic]  # the only service whose events that topic accepts
    summary = f"The {publisher} service publishes {topic} (outbox relay)."
    operations = doc["operations"]
    operations[f"{publisher}.publish.{topic}"] = _operation(
        topic, "send", publisher, summary, names
    )
    subs = [sub for sub in SUBSCRIPTIONS if topic in sub.topics]
    for sub in subs:
        receive = _operation(topic, "receive", sub.service, sub.description, names)
        receive["bindings"] = _kafka(groupId={"type": "string", "enum": [sub.group_id]})
        operations[f"{sub.service}.consume.{topic}"] = receive
        why = f"The {sub.group_id} consumer writes what it cannot handle here."
        operations[f"{sub.service}.dead_letter.{topic}"] = _operation(
            dlq, "send", sub.service, why, [letter]
        )
    example = examples[(topic, versions[-1].version)]
    messages[letter] = _dead_letter_message(topic, subs[0].group_id, example)


def build_document() -> dict[str, Any]:
    doc: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "users and games: the event API",
            "version": "1.0.0",  # the document's own: raise it when the event API changes
            "description": "The Kafka topics the users and games services exchange. Every "
            "topic and consumer group name is prefixed with KAFKA_TOPIC_PREFIX (empty by "
            "default). Generated from common/events by `manage_users.py asyncapi`.",
        },
        "defaultContentType": "application/json",
        "channels": {},
        "operations": {},
        "components": {"schemas": {"Envelope": ENVELOPE_SCHEMA}, "messages": {}},
    }
    examples = _examples()
    for topic in topics.ALL_TOPICS:
        _topic(topic, doc, examples)
    return doc


@cache
def render_document() -> str:
    """The JSON text written to docs/asyncapi.json and served."""
    return json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"


@require_safe
def asyncapi_view(request: HttpRequest) -> HttpResponse:
    """Public like the OpenAPI document beside it (/api/schema/)."""
    return HttpResponse(render_document(), content_type="application/json")
