"""MkDocs hook (mkdocs.yml `hooks:`): renders docs/asyncapi.json as Markdown
into the page that holds the marker, at build time.

The document is held to common/events by tests/common/test_asyncapi.py;
rendering it here, rather than writing the topics out by hand, keeps the
readable page from drifting too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MARKER = "<!-- asyncapi-reference -->"
DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.json"

Schema = dict[str, Any]


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs calls this for every page; only the marked one changes."""
    if MARKER not in markdown:
        return markdown
    document = json.loads(DOCUMENT.read_text())
    return markdown.replace(MARKER, render(document))


def resolve(document: dict[str, Any], node: Schema) -> Schema:
    """Follows a local `$ref` (`#/components/...`) to what it names."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def kind(schema: Schema) -> str:
    """A property's type in a few words: its type, format, limits, values."""
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" for value in schema["enum"])
    words = [schema.get("type", "any")]
    if "format" in schema:
        words.append(schema["format"])
    limits = {
        "minLength": "length ≥ {}",
        "maxLength": "length ≤ {}",
        "minimum": "≥ {}",
        "maximum": "≤ {}",
        "pattern": "matching `{}`",
    }
    words += [text.format(schema[key]) for key, text in limits.items() if key in schema]
    return ", ".join(words)


def properties_table(schema: Schema) -> str:
    required = set(schema.get("required", []))
    rows = ["| field | type | required | what |", "| --- | --- | --- | --- |"]
    for name, prop in schema.get("properties", {}).items():
        rows.append(
            f"| `{name}` | {cell(kind(prop))} | {'yes' if name in required else 'no'} "
            f"| {cell(prop.get('description', ''))} |"
        )
    return "\n".join(rows)


def example_block(example: dict[str, Any]) -> str:
    shown = {key: example[key] for key in ("headers", "payload") if key in example}
    return f"Example `{example['name']}`:\n\n```json\n{json.dumps(shown, indent=2)}\n```"


def message_section(document: dict[str, Any], message: Schema) -> str:
    parts = [f"#### `{message['name']}`: {message['title']}", message.get("summary", "")]
    key = message.get("bindings", {}).get("kafka", {}).get("key")
    if key:
        parts.append(f"**Kafka key**: {kind(key)}. {key.get('description', '')}")
    parts += ["**Headers**", properties_table(message["headers"])]
    payload = message["payload"]
    if "allOf" in payload:
        # The envelope, narrowed to this event's type and version, with its data schema.
        narrowing = payload["allOf"][1]["properties"]
        data = resolve(document, narrowing["data"])
        parts.append(
            f"**Payload**: the [envelope](#the-envelope) with `type` "
            f"{kind(narrowing['type'])}, `version` {kind(narrowing['version'])} and `data`:"
        )
        parts.append(properties_table(data))
    else:
        parts.append(f"**Payload**: {payload.get('description', '')}")
    parts += [example_block(example) for example in message.get("examples", [])]
    return "\n\n".join(part for part in parts if part)


def operations_on(document: dict[str, Any], channel: str) -> list[str]:
    lines = []
    for name, operation in document["operations"].items():
        if operation["channel"]["$ref"] != f"#/channels/{channel}":
            continue
        service = ", ".join(tag["name"] for tag in operation.get("tags", []))
        verb = "sends" if operation["action"] == "send" else "receives"
        group = operation.get("bindings", {}).get("kafka", {}).get("groupId", {}).get("enum")
        in_group = f", consumer group `{group[0]}`" if group else ""
        summary = operation["summary"]
        lines.append(f"- **{service}** {verb} (operation `{name}`{in_group}): {summary}")
    return lines


def channel_section(document: dict[str, Any], name: str, channel: Schema) -> str:
    parts = [f"### `{channel['address']}`", channel.get("description", "")]
    parts.append("\n".join(operations_on(document, name)))
    for reference in channel["messages"].values():
        parts.append(message_section(document, resolve(document, reference)))
    return "\n\n".join(part for part in parts if part)


def render(document: dict[str, Any]) -> str:
    info = document["info"]
    envelope = document["components"]["schemas"]["Envelope"]
    parts = [
        f"AsyncAPI {document['asyncapi']}, *{info['title']}* version {info['version']}, "
        f"content type `{document.get('defaultContentType', '')}`. {info['description']}",
        "### The envelope",
        envelope.get("description", ""),
        properties_table(envelope),
    ]
    parts += [
        channel_section(document, name, channel) for name, channel in document["channels"].items()
    ]
    return "\n\n".join(part for part in parts if part) + "\n"
