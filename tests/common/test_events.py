"""The event contracts: golden files decode, builders round-trip, and every
kind of malformed envelope is rejected with a reason."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common.events.envelope import CONTRACTS, decode
from common.events.errors import EventDecodeError
from common.events.reads import user_read
from common.events.topics import ALL_TOPICS, OWNERS, dlq_topic, origin_problem, topic_of_dlq
from common.events.users import user_created, user_deleted

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["user.created.v1", "user.deleted.v1", "user.read.v1"])
def test_golden_event_decodes_to_its_contract(name: str) -> None:
    raw = (GOLDEN / f"{name}.json").read_bytes()
    event = decode(raw)
    doc = json.loads(raw)
    assert event.id == uuid.UUID(doc["id"])
    assert (event.type, event.version) == (doc["type"], doc["version"])
    assert event.data == doc["data"]
    assert event.key == doc["data"]["user_id"]
    assert event.occurred_at.tzinfo is not None


def test_every_contract_has_a_golden_file() -> None:
    names = {f"{c.type}.v{c.version}" for c in CONTRACTS}
    assert names == {p.stem for p in GOLDEN.glob("*.json")}


def test_topic_names_are_the_agreed_ones() -> None:
    assert ALL_TOPICS == ("user.created", "user.deleted", "user.read")
    assert dlq_topic("user.read") == "user.read.dlq"


def test_built_events_round_trip_through_the_wire_format() -> None:
    uid = uuid.uuid4()
    read_at = datetime(2026, 11, 29, 18, 0, 1, 250000, tzinfo=UTC)
    for event in (
        user_created(user_id=uid, email="a@example.com", name="A", source="users"),
        user_deleted(user_id=uid, source="users"),
        user_read(user_id=uid, game_id=7, title="Seven", read_at=read_at, source="games"),
    ):
        decoded = decode(event.encode())
        assert decoded == event
        assert decoded.key == str(uid)


def test_builders_refuse_data_that_breaks_the_contract() -> None:
    with pytest.raises(EventDecodeError, match="game_id"):
        user_read(
            user_id=uuid.uuid4(), game_id=0, title="x", read_at=datetime.now(UTC), source="games"
        )


def _mutated(**changes):
    doc = golden("user.read.v1")
    for path, value in changes.items():
        target = doc
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[part]
        if value is KeyError:
            del target[leaf]
        else:
            target[leaf] = value
    return json.dumps(doc).encode()


MALFORMED = {
    "not json": (b"{not json", "not JSON"),
    "not utf-8": (b"\xff\xfe\x00", "not JSON"),
    "tombstone": (None, "empty message"),
    "array": (b"[1, 2]", "must be a JSON object"),
    "missing id": (_mutated(id=KeyError), "missing id"),
    "missing data": (_mutated(data=KeyError), "missing data"),
    "unknown envelope field": (_mutated(extra=1), "unknown fields extra"),
    "id not a uuid": (_mutated(id="42"), "not a UUID"),
    # The documented form only, as for the ids in data: not urn:, braces or bare hex.
    "id urn": (_mutated(id="urn:uuid:12345678-1234-5678-1234-567812345678"), "not a UUID"),
    "id braces": (_mutated(id="{12345678-1234-5678-1234-567812345678}"), "not a UUID"),
    "id bare hex": (_mutated(id="12345678123456781234567812345678"), "not a UUID"),
    "unknown type": (_mutated(type="user.readed"), "unknown event type 'user.readed'"),
    "unknown version": (_mutated(version=2), "unknown version 2 of user.read"),
    "version not int": (_mutated(version="1"), "version must be an integer"),
    "version bool": (_mutated(version=True), "version must be an integer"),
    "timestamp without offset": (_mutated(occurred_at="2026-11-29T18:00:00"), "RFC 3339"),
    "timestamp nonsense": (_mutated(occurred_at="2026-13-45T99:00:00Z"), "not a valid date-time"),
    "empty source": (_mutated(source=""), "source must be"),
    "data not object": (_mutated(data=[1]), "data must be a JSON object"),
    "data missing field": (_mutated(data__title=KeyError), '"title" is a required property'),
    "data wrong type": (_mutated(data__game_id="452"), 'game_id: "452" is not of type "integer"'),
    "data bad uuid": (_mutated(data__user_id="nope"), 'user_id: "nope" is not a "uuid"'),
    "data bad date": (
        _mutated(data__read_at="yesterday"),
        'read_at: "yesterday" is not a "date-time"',
    ),
}


@pytest.mark.parametrize("raw,reason", MALFORMED.values(), ids=MALFORMED.keys())
def test_decoding_rejects_a_malformed_envelope_saying_why(raw, reason: str) -> None:
    with pytest.raises(EventDecodeError) as excinfo:
        decode(raw)
    assert reason in str(excinfo.value)


def test_every_topic_and_contract_has_one_owner_and_the_golden_files_name_it() -> None:
    assert set(OWNERS) == set(ALL_TOPICS)
    assert {contract.type for contract in CONTRACTS} <= set(OWNERS)
    for path in GOLDEN.glob("*.json"):
        doc = json.loads(path.read_text())
        assert doc["source"] == OWNERS[doc["type"]], path.name
        assert (
            origin_problem(event_type=doc["type"], source=doc["source"], topic=doc["type"]) is None
        )


@pytest.mark.parametrize(
    ("event_type", "source", "topic", "reason"),
    [
        ("user.deleted", "games", "user.deleted", "source 'games' does not own user.deleted"),
        ("user.deleted", "attacker", "user.deleted", "its owner is 'users'"),
        ("user.created", "", "user.created", "does not own user.created"),
        ("user.read", "users", "user.read", "its owner is 'games'"),
        # The owner's own source, on a topic of another type.
        ("user.deleted", "users", "user.read", "a user.deleted event does not belong on user.read"),
        ("user.renamed", "users", "user.renamed", "user.renamed has no declared owner"),
    ],
)
def test_an_event_not_from_its_topics_owner_has_an_origin_problem(
    event_type: str, source: str, topic: str, reason: str
) -> None:
    assert reason in (origin_problem(event_type=event_type, source=source, topic=topic) or "")


def test_dlq_names_lead_back_to_their_topic() -> None:
    assert topic_of_dlq(dlq_topic("e2e.user.read")) == "e2e.user.read"
    assert topic_of_dlq("user.read") is None
    assert topic_of_dlq(".dlq") is None
