"""The event API's AsyncAPI document as committed (docs/asyncapi.json), read the
way tests compare it with the code."""

from __future__ import annotations

import json
from typing import Any

from common.asyncapi import DOCUMENT


def committed_document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def documented_consumers(service: str) -> set[tuple[str, frozenset[str]]]:
    """``(group id, topics)`` of each consumer group the document gives ``service``."""
    groups: dict[str, set[str]] = {}
    for operation in committed_document()["operations"].values():
        if operation["action"] == "receive" and operation["tags"] == [{"name": service}]:
            [group] = operation["bindings"]["kafka"]["groupId"]["enum"]
            topic = operation["channel"]["$ref"].removeprefix("#/channels/")
            groups.setdefault(group, set()).add(topic)
    return {(group, frozenset(topics)) for group, topics in groups.items()}
