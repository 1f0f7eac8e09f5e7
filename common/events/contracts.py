"""Event contracts: for each (type, version), the JSON Schema of ``data``.

A breaking change to an event is a new version registered beside the old
one; consumers keep accepting the versions they know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from common.events.errors import EventDecodeError
from common.events.rfc3339 import is_rfc3339

# jsonschema checks "date-time" only with an optional extra installed; the
# envelope's own RFC 3339 rule is the one that counts, so use it for data too.
_FORMATS = FormatChecker()
_FORMATS.checks("date-time")(is_rfc3339)

_REGISTRY: dict[tuple[str, int], Contract] = {}


@dataclass(frozen=True)
class Contract:
    type: str
    version: int
    data_schema: dict[str, Any]
    # The data field whose value is the Kafka key (the aggregate id).
    key_field: str = "user_id"
    description: str = field(default="", compare=False)

    @cached_property
    def _validator(self) -> Draft202012Validator:
        Draft202012Validator.check_schema(self.data_schema)
        return Draft202012Validator(self.data_schema, format_checker=_FORMATS)

    def validate(self, data: dict[str, Any]) -> None:
        errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            details = "; ".join(
                f"{'.'.join(str(p) for p in error.absolute_path) or 'data'}: {error.message}"
                for error in errors
            )
            raise EventDecodeError(f"{self.type} v{self.version} data is invalid: {details}")


def register(contract: Contract) -> Contract:
    _REGISTRY[(contract.type, contract.version)] = contract
    return contract


def contract_for(event_type: str, version: int) -> Contract:
    try:
        return _REGISTRY[(event_type, version)]
    except KeyError:
        raise EventDecodeError(f"no contract for {event_type} v{version}") from None


def known_versions(event_type: str) -> set[int]:
    return {version for (name, version) in _REGISTRY if name == event_type}


def all_contracts() -> list[Contract]:
    return sorted(_REGISTRY.values(), key=lambda c: (c.type, c.version))


# Reusable pieces of the schemas below.
UUID_STRING = {"type": "string", "format": "uuid"}
DATE_TIME_STRING = {"type": "string", "format": "date-time"}
