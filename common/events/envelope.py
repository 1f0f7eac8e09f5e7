"""The JSON envelope every event travels in (docs/events.md), and its strict
decoder: ``data`` must fit the schema of a known (type, version) contract."""

from __future__ import annotations

import uuid
from typing import Any

from common import boundedjson
from common.events.contracts import UUID_STRING, Contract, compile_schema
from common.events.errors import EventDecodeError
from common.events.event import Event
from common.events.reads import USER_READ_V1
from common.events.rfc3339 import parse_rfc3339
from common.events.users import USER_CREATED_V1, USER_DELETED_V1

# Every (type, version) decode accepts: a new version is listed beside the old one.
CONTRACTS = (USER_CREATED_V1, USER_DELETED_V1, USER_READ_V1)
ENVELOPE_FIELDS = ("id", "type", "version", "occurred_at", "source", "data")
# Far above any real event (a few hundred bytes); a bigger message is poison.
MAX_EVENT_BYTES = 256 * 1024
# The rule of the ids in data, so the documented form only (not urn:, braces or bare hex).
_UUID = compile_schema(UUID_STRING)


def decode(raw: bytes | None) -> Event:
    """Parse and validate an event; raise :class:`EventDecodeError` on any fault."""
    if raw is None:
        raise EventDecodeError("empty message (tombstone): no event")
    try:
        # Size and depth capped: a deeply nested envelope is a decode
        # error, not a RecursionError that crash-loops the consumer.
        doc = boundedjson.loads(raw, max_bytes=MAX_EVENT_BYTES)
    except ValueError as exc:  # JSONDecodeError, UnicodeError, JSONLimitExceeded
        raise EventDecodeError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise EventDecodeError(f"envelope must be a JSON object, got {type(doc).__name__}")
    if missing := [name for name in ENVELOPE_FIELDS if name not in doc]:
        raise EventDecodeError(f"envelope is missing {', '.join(missing)}")
    if unknown := sorted(set(doc) - set(ENVELOPE_FIELDS)):
        raise EventDecodeError(f"envelope has unknown fields {', '.join(unknown)}")
    event_id = _event_id(doc["id"])
    contract = _contract(doc["type"], doc["version"])
    try:
        occurred_at = parse_rfc3339(doc["occurred_at"])
    except ValueError as exc:
        raise EventDecodeError(f"occurred_at: {exc}") from None
    if not isinstance(doc["source"], str) or not doc["source"]:
        raise EventDecodeError("source must be a non-empty string")
    if not isinstance(doc["data"], dict):
        raise EventDecodeError("data must be a JSON object")
    return contract.event(doc["data"], source=doc["source"], id=event_id, occurred_at=occurred_at)


def _event_id(value: Any) -> uuid.UUID:
    if not _UUID.is_valid(value):
        raise EventDecodeError(f"id {value!r} is not a UUID")
    return uuid.UUID(value)


def _contract(event_type: Any, version: Any) -> Contract:
    # bool is an int subclass in Python; `true` is not a version.
    if not isinstance(version, int) or isinstance(version, bool):
        raise EventDecodeError(f"version must be an integer, got {version!r}")
    if not (versions := {c.version: c for c in CONTRACTS if c.type == event_type}):
        raise EventDecodeError(f"unknown event type {event_type!r}")
    if version not in versions:
        raise EventDecodeError(
            f"unknown version {version} of {event_type}; known: {sorted(versions)}"
        )
    return versions[version]
