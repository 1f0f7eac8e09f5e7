"""Event contracts: the JSON Schema of ``data`` for each (type, version)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jsonschema_rs

from common.events.errors import EventDecodeError
from common.events.event import Event
from common.events.rfc3339 import is_rfc3339


def compile_schema(schema: dict[str, Any]) -> Any:
    """A JSON Schema validator (jsonschema-rs: Python's jsonschema was the consumer's main cost)."""
    # The envelope's own RFC 3339 rule is the one that counts for data too.
    formats = {"date-time": is_rfc3339}
    return jsonschema_rs.validator_for(schema, formats=formats, validate_formats=True)


def describe_errors(validator: Any, instance: Any, *, limit: int = 5) -> str | None:
    """None if ``instance`` is valid, else what is wrong, path by path."""
    if validator.is_valid(instance):
        return None
    errors = sorted(
        validator.iter_errors(instance), key=lambda e: [str(p) for p in e.instance_path]
    )
    return "; ".join(
        f"{'.'.join(str(p) for p in error.instance_path) or 'data'}: {error.message}"
        for error in errors[:limit]
    )


@dataclass(frozen=True)
class Contract:
    type: str
    version: int
    data_schema: dict[str, Any]

    @cached_property
    def _validator(self) -> Any:
        return compile_schema(self.data_schema)

    def event(self, data: dict[str, Any], *, source: str, **fields: Any) -> Event:
        """An event of this contract, refused (EventDecodeError) unless ``data`` fits."""
        if problems := describe_errors(self._validator, data):
            raise EventDecodeError(f"{self.type} v{self.version} data is invalid: {problems}")
        return Event(type=self.type, version=self.version, source=source, data=data, **fields)


UUID_STRING = {"type": "string", "format": "uuid"}
