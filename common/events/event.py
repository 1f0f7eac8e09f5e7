"""An event as the services build and read it; ``envelope`` is its wire form."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from common.events.rfc3339 import format_rfc3339


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    data: dict[str, Any]
    source: str
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def key(self) -> str:
        """The Kafka key: the user's id, so one user's events stay in order."""
        return str(self.data["user_id"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": format_rfc3339(self.occurred_at),
            "source": self.source,
            "data": self.data,
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()
