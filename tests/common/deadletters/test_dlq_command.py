"""``dlq list/show/replay/purge`` over the real broker and database: a handler
bug dead-letters events, a fix is deployed, replay applies each once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from kafka import TopicPartition

from common.deadletters.models import DeadLetterAction
from common.events.event import Event
from common.events.reads import user_read
from common.events.topics import USER_DELETED, USER_READ, dlq_topic
from common.events.users import user_created, user_deleted
from common.inbox.services import inbox
from common.kafka.admin import ensure_topics
from common.kafka.config import physical_topic
from common.kafka.consumer import ConsumerRunner, ConsumerSpec, EventRejected
from tests.support.consumers import each
from tests.support.kafka import (
    delete_topics,
    end_offsets,
    produce_raw,
    publish,
    read_all,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def topic() -> Iterator[str]:
    """A logical topic of this test's own (and its DLQ), under the run's prefix."""
    name = f"test.dlq.{uuid.uuid4().hex[:12]}"
    physical = [physical_topic(name), physical_topic(dlq_topic(name))]
    ensure_topics(physical, partitions=3, replication_factor=1)
    yield name
    delete_topics(*physical)


def an_event() -> Event:
    return user_created(user_id=uuid.uuid4(), email="d@example.com", name="D", source="users")


def dlq(*args: str) -> str:
    out = StringIO()
    call_command("dlq", *args, stdout=out)
    return out.getvalue()


def listed(topic: str, *args: str) -> list[dict]:
    return json.loads(dlq("list", "--topic", topic, "--json", *args))


def consume(
    topic: str, handler: Callable[[Event], None], *, until: Callable[[ConsumerRunner], bool]
) -> ConsumerRunner:
    handlers = {"user.created": inbox(f"c-{topic}", each(handler))}
    spec = ConsumerSpec(
        name=f"c-{topic}", topics=(topic,), group_id=f"g-{topic}", handlers=handlers
    )
    runner = ConsumerRunner(spec, max_attempts=1)
    deadline = time.monotonic() + 45
    try:
        while not until(runner):
            assert time.monotonic() < deadline, runner.stats
            runner.run_once()
    finally:
        runner.close()
    return runner


def test_fail_fix_replay_applies_each_event_exactly_once(topic: str) -> None:
    applied: list[uuid.UUID] = []
    bug = {"deployed": True}

    def handler(event: Event) -> None:
        if bug["deployed"]:
            raise KeyError("a handler bug")
        applied.append(event.id)

    events = [an_event() for _ in range(3)]
    for event in events:
        publish(topic, event)
    consume(topic, handler, until=lambda r: r.stats.dead_lettered == 3)
    dead = listed(topic)
    assert sorted(d["event_id"] for d in dead) == sorted(str(e.id) for e in events)
    assert {d["reason"] for d in dead} == {"handler_error"}

    bug["deployed"] = False  # the fix
    dry = dlq("replay", "--topic", topic)
    assert "dry run: 3 to replay" in dry
    assert not DeadLetterAction.objects.exists()

    done = dlq("replay", "--topic", topic, "--execute", "--by", "alice")
    assert "replayed 3 by alice" in done
    consume(topic, handler, until=lambda r: r.stats.processed == 3)
    assert sorted(applied) == sorted(e.id for e in events)
    actions = DeadLetterAction.objects.all()
    assert {(a.action, a.performed_by) for a in actions} == {("replayed", "alice")}
    assert {str(a.event_id) for a in actions} == {str(e.id) for e in events}
    assert listed(topic) == []  # nothing open any more
    assert len(listed(topic, "--state", "replayed")) == 3

    # A second replay: without --again there is nothing to replay; with it,
    # the events are published again and the inbox applies none of them.
    assert "replayed 0" in dlq("replay", "--topic", topic, "--execute")
    assert "replayed 3" in dlq("replay", "--topic", topic, "--execute", "--again")
    again = consume(topic, handler, until=lambda r: r.stats.duplicate == 3)
    assert again.stats.processed == 0
    assert sorted(applied) == sorted(e.id for e in events)  # still once each


def test_list_counts_by_reason_and_age_and_filters_by_reason_and_time(topic: str) -> None:
    def reject(event: Event) -> None:
        raise EventRejected("no such thing")

    publish(topic, an_event())
    produce_raw(physical_topic(topic), b"not json", key=b"k")
    consume(topic, reject, until=lambda r: r.stats.dead_lettered == 2)

    text = dlq("list", "--topic", topic)
    dead_letters = physical_topic(dlq_topic(topic))
    summary = [line.split() for line in text.splitlines() if line.split()[:1] == [dead_letters]]
    # TOPIC REASON COUNT <1h <1d <7d older
    assert sorted(summary) == sorted(
        [
            [dead_letters, "decode_error", "1", "1", "0", "0", "0"],
            [dead_letters, "rejected", "1", "1", "0", "0", "0"],
        ]
    )
    assert [d["reason"] for d in listed(topic, "--reason", "rejected")] == ["rejected"]
    assert len(listed(topic, "--since", "10m")) == 2
    assert listed(topic, "--until", "10m") == []
    entries = listed(topic)
    assert entries[0]["dead_at"] >= entries[1]["dead_at"]  # newest first


def test_show_prints_the_envelope_headers_reason_and_origin(topic: str) -> None:
    def reject(event: Event) -> None:
        raise EventRejected("unknown user")

    event = an_event()
    publish(topic, event)
    consume(topic, reject, until=lambda r: r.stats.dead_lettered == 1)
    [entry] = listed(topic)
    shown = json.loads(dlq("show", entry["id"]))
    assert shown["envelope"] == event.to_dict()
    assert shown["reason"] == "rejected" and shown["error"] == "unknown user"
    assert shown["original"]["topic"] == physical_topic(topic)
    assert shown["original"]["offset"] == "0"
    assert shown["headers"]["dlq.consumer"] == f"c-{topic}"
    with pytest.raises(CommandError, match="no dead letter"):
        dlq("show", f"{physical_topic(dlq_topic(topic))}:0:999")


def test_list_and_show_a_dead_letter_nested_too_deep_to_be_an_event(topic: str) -> None:
    nested = b"[" * 100_000  # poison for json.loads: a RecursionError, not a ValueError
    produce_raw(physical_topic(topic), nested, key=b"k")
    consume(topic, lambda event: None, until=lambda r: r.stats.dead_lettered == 1)
    [entry] = listed(topic)
    assert (entry["reason"], entry["event_id"]) == ("decode_error", None)
    assert "decode_error" in dlq("list", "--topic", topic)
    assert json.loads(dlq("show", entry["id"]))["envelope"] == nested.decode()


def test_a_dead_letter_nested_past_the_event_limit_still_shows_its_id_and_type(
    topic: str,
) -> None:
    # Refused as an event (deeper than 32 levels), yet plain JSON a person can read.
    event_id = str(uuid.uuid4())
    deep = {"id": event_id, "type": topic, "data": {"x": json.loads("[" * 40 + "]" * 40)}}
    produce_raw(physical_topic(topic), json.dumps(deep).encode(), key=b"k")
    consume(topic, lambda event: None, until=lambda r: r.stats.dead_lettered == 1)
    [entry] = listed(topic)
    assert (entry["reason"], entry["event_id"], entry["event_type"]) == (
        "decode_error",
        event_id,
        topic,
    )


def test_an_action_left_from_a_dlq_deleted_and_created_again_hides_no_new_dead_letter(
    topic: str,
) -> None:
    # The DLQ's offsets start over; the actions taken on its earlier records stay.
    dead_letters = physical_topic(dlq_topic(topic))
    for partition in range(3):
        DeadLetterAction.objects.create(
            dlq_topic=dead_letters,
            partition=partition,
            offset=0,
            action="purged",
            event_id=uuid.uuid4(),
            performed_by="before",
        )

    def reject(event: Event) -> None:
        raise EventRejected("decided: drop")

    event = an_event()
    publish(topic, event)
    consume(topic, reject, until=lambda r: r.stats.dead_lettered == 1)
    [entry] = listed(topic)
    assert (entry["event_id"], entry["state"]) == (str(event.id), "open")
    assert json.loads(dlq("show", entry["id"]))["actions"] == []


def test_purge_asks_first_counts_and_hides_what_it_purged(
    topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reject(event: Event) -> None:
        raise EventRejected("decided: drop")

    for _ in range(3):
        publish(topic, an_event())
    consume(topic, reject, until=lambda r: r.stats.dead_lettered == 3)
    first, *rest = listed(topic)

    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert "purged 0: not confirmed" in dlq("purge", "--topic", topic, first["id"])
    assert len(listed(topic)) == 3

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert "purged 1" in dlq("purge", "--topic", topic, first["id"], "--by", "bob")
    assert [d["id"] for d in listed(topic)] == [d["id"] for d in rest]
    assert [d["id"] for d in listed(topic, "--state", "purged")] == [first["id"]]

    out = dlq("purge", "--topic", topic, "--reason", "rejected", "--yes", "--note", "known")
    assert "purged 2" in out
    assert listed(topic) == []
    assert DeadLetterAction.objects.filter(action="purged").count() == 3
    # A purged entry is not replayed.
    with pytest.raises(CommandError, match="no open dead letter"):
        dlq("replay", "--topic", topic, first["id"])


@pytest.fixture
def own_prefix(settings) -> Iterator[str]:
    """This test's own KAFKA_TOPIC_PREFIX, with the real topic names under it."""
    settings.KAFKA_TOPIC_PREFIX = f"{settings.KAFKA_TOPIC_PREFIX}t{uuid.uuid4().hex[:8]}."
    names = [USER_READ, dlq_topic(USER_READ), USER_DELETED]
    physical = [physical_topic(name) for name in names]
    ensure_topics(physical, partitions=1, replication_factor=1)
    yield settings.KAFKA_TOPIC_PREFIX
    delete_topics(*physical)


def plant(dead_letters: str, event: Event, original_topic: str, *, offset: int) -> None:
    """Write a dead letter by hand, as anyone who can write the DLQ could."""
    headers = [
        ("dlq.reason", b"handler_error"),
        ("dlq.original_topic", physical_topic(original_topic).encode()),
        ("dlq.original_partition", b"0"),
        ("dlq.original_offset", str(offset).encode()),
    ]
    produce_raw(dead_letters, event.encode(), key=event.key.encode(), headers=headers)


def test_replay_sends_to_the_topic_the_dlq_belongs_to_never_where_a_header_says(
    own_prefix: str,
) -> None:
    user_id = uuid.uuid4()
    dead_letters = physical_topic(dlq_topic(USER_READ))

    read = user_read(
        user_id=user_id, game_id=1, title="T", read_at=datetime.now(UTC), source="games"
    )
    publish(USER_READ, read)
    plant(dead_letters, read, USER_READ, offset=0)  # a genuine dead letter of user.read
    # Planted by whoever can write user.read.dlq: a deletion, aimed at user.deleted.
    plant(dead_letters, user_deleted(user_id=user_id, source="users"), USER_DELETED, offset=0)

    dry = dlq("replay", "--topic", USER_READ)
    assert "dry run: 1 to replay" in dry
    assert f"would refuse {dead_letters}:0:1: its dlq.original_topic header says" in dry
    with pytest.raises(CommandError, match="refused 1"):
        dlq("replay", "--topic", USER_READ, "--execute", "--by", "operator")

    assert end_offsets([physical_topic(USER_DELETED)]) == {
        TopicPartition(physical_topic(USER_DELETED), 0): 0
    }
    original, replayed = read_all(physical_topic(USER_READ), expected=2)
    assert original.value == replayed.value == read.encode()
    [still_open] = listed(USER_READ)
    assert still_open["event_type"] == USER_DELETED
    assert DeadLetterAction.objects.filter(action="replayed").count() == 1


def test_replay_refuses_a_dead_letter_its_topic_never_carried(own_prefix: str) -> None:
    # Whoever can write user.read.dlq (its consumer, users) plants a user.read
    # of its own making, naming the right topic and a real offset: the record
    # there is another one, so the planted event never reaches user.read.
    dead_letters = physical_topic(dlq_topic(USER_READ))
    genuine = user_read(
        user_id=uuid.uuid4(), game_id=1, title="T", read_at=datetime.now(UTC), source="games"
    )
    forged = user_read(
        user_id=uuid.uuid4(), game_id=2, title="Forged", read_at=datetime.now(UTC), source="games"
    )
    publish(USER_READ, genuine)
    plant(dead_letters, forged, USER_READ, offset=0)  # offset 0 holds the genuine read
    plant(dead_letters, forged, USER_READ, offset=7)  # an offset the topic never had

    dry = dlq("replay", "--topic", USER_READ)
    assert "dry run: 0 to replay" in dry
    assert f"would refuse {dead_letters}:0:0: it differs from the record at" in dry
    assert f"would refuse {dead_letters}:0:1: " in dry and "holds no offset 7" in dry
    with pytest.raises(CommandError, match="refused 2"):
        dlq("replay", "--topic", USER_READ, "--execute", "--by", "operator")
    assert end_offsets([physical_topic(USER_READ)]) == {
        TopicPartition(physical_topic(USER_READ), 0): 1  # the genuine read only
    }
    assert not DeadLetterAction.objects.filter(action="replayed").exists()


@pytest.mark.parametrize("since", ["99999999999d", "1000000d", "yesterday"])
def test_a_time_out_of_range_is_a_usage_error_not_a_crash(since: str) -> None:
    with pytest.raises(CommandError, match="neither a duration"):
        dlq("list", "--since", since)


def test_a_replay_by_a_name_longer_than_the_row_keeps_is_recorded_not_left_open(
    own_prefix: str,
) -> None:
    # Sent first, recorded after: a name the row refused would leave it sent yet open.
    read = user_read(
        user_id=uuid.uuid4(), game_id=1, title="T", read_at=datetime.now(UTC), source="games"
    )
    publish(USER_READ, read)
    plant(physical_topic(dlq_topic(USER_READ)), read, USER_READ, offset=0)
    assert "replayed 1" in dlq("replay", "--topic", USER_READ, "--execute", "--by", "o" * 200)
    assert listed(USER_READ) == []
    [action] = DeadLetterAction.objects.all()
    assert action.performed_by == "o" * 150
