"""The consumer protocol without a broker: the runner over the in-memory
transport, with handlers by event type and the inbox as a wrapper. The
runner's guarantees over the real broker are in test_consumer_runner.py."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import OperationalError
from kafka import TopicPartition
from kafka.errors import KafkaError

from common.events.event import Event
from common.events.topics import USER_CREATED, USER_DELETED, dlq_topic
from common.events.users import user_created, user_deleted
from common.inbox.models import ProcessedEvent
from common.inbox.services import inbox
from common.kafka.config import physical_topic
from common.kafka.consumer import ConsumerRunner, ConsumerSpec, EventDiscarded, Handler
from common.kafka.deadletter_policy import DeadLetterLimitReached, DeadLetterPolicy
from tests.support.consumers import InMemoryTransport, drain, each

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "test.protocol"


def created() -> Event:
    return user_created(user_id=uuid.uuid4(), email="p@example.com", name="P", source="users")


def runner_for(handlers: dict[str, Handler], **kwargs) -> tuple[ConsumerRunner, InMemoryTransport]:
    spec = ConsumerSpec(
        name=NAME, topics=(USER_CREATED, USER_DELETED), group_id=NAME, handlers=handlers
    )
    transport = InMemoryTransport()
    return ConsumerRunner(spec, transport=transport, **kwargs), transport


def dead_reasons(transport: InMemoryTransport, topic: str) -> list[bytes]:
    return [dict(m.headers)["dlq.reason"] for m in transport.sent[physical_topic(dlq_topic(topic))]]


def test_events_go_to_the_handler_of_their_type_in_poll_order_through_the_inbox() -> None:
    calls: list[tuple[str, list[uuid.UUID]]] = []

    def record(kind: str) -> Handler:
        return inbox(NAME, each(lambda event: calls.append((kind, [event.id]))))

    runner, transport = runner_for({USER_CREATED: record("c"), USER_DELETED: record("d")})
    first, second = created(), created()
    gone = user_deleted(user_id=uuid.uuid4(), source="users")
    for topic, event in [(USER_CREATED, first), (USER_CREATED, second), (USER_DELETED, gone)]:
        transport.publish(topic, event)
    transport.publish(USER_CREATED, first)  # a redelivery
    drain(runner)

    assert calls == [("c", [first.id]), ("c", [second.id]), ("d", [gone.id])]
    assert (runner.stats.processed, runner.stats.duplicate) == (3, 1)
    assert ProcessedEvent.objects.filter(consumer=NAME).count() == 3
    assert transport.committed == {TopicPartition(physical_topic(USER_CREATED), 0): 3} | {
        TopicPartition(physical_topic(USER_DELETED), 0): 1
    }


def test_an_event_type_without_a_handler_is_rejected_to_the_dlq() -> None:
    runner, transport = runner_for({USER_CREATED: each(lambda event: None)})
    transport.publish(USER_DELETED, user_deleted(user_id=uuid.uuid4(), source="users"))
    drain(runner)
    assert dead_reasons(transport, USER_DELETED) == [b"rejected"]


def test_a_failing_batch_is_logged_as_an_error_then_applied_one_by_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    applied: list[uuid.UUID] = []
    poison = created()

    def handler(events: list[Event]) -> list[uuid.UUID]:
        if poison in events:
            raise ZeroDivisionError("a bug in the handler")
        applied.extend(event.id for event in events)
        return [event.id for event in events]

    runner, transport = runner_for({USER_CREATED: handler}, max_attempts=1)
    good = [created(), created()]
    for event in [good[0], poison, good[1]]:
        transport.publish(USER_CREATED, event)
    capsys.readouterr()
    drain(runner)

    err = capsys.readouterr().err
    failed = err.index("consumer.batch_failed")
    assert "[error" in err[err.rfind("\n", 0, failed) + 1 : failed]
    # With its traceback, before the one-by-one retry dead-letters the poison.
    assert failed < err.index("ZeroDivisionError: a bug") < err.index("consumer.dead_lettered")
    assert applied == [e.id for e in good]
    assert dead_reasons(transport, USER_CREATED) == [b"handler_error"]


def test_a_handler_that_does_not_say_what_it_applied_fails_and_keeps_nothing() -> None:
    def forgetful(events: list[Event]) -> None:
        ProcessedEvent.objects.create(consumer="forgetful", event_id=uuid.uuid4(), event_type="x")

    runner, transport = runner_for({USER_CREATED: forgetful}, max_attempts=1)  # type: ignore[dict-item]
    transport.publish(USER_CREATED, created())
    drain(runner)
    assert dead_reasons(transport, USER_CREATED) == [b"handler_error"]
    assert not ProcessedEvent.objects.filter(consumer="forgetful").exists()  # rolled back


def test_a_discarded_event_in_a_batch_costs_only_itself() -> None:
    late = created()

    def handler(events: list[Event]) -> list[uuid.UUID]:
        if late in events:
            raise EventDiscarded("late", "a race")
        return [event.id for event in events]

    runner, transport = runner_for({USER_CREATED: inbox(NAME, handler)})
    for event in [created(), late, created()]:
        transport.publish(USER_CREATED, event)
    drain(runner)
    assert (runner.stats.processed, runner.stats.discarded, runner.stats.dead_lettered) == (2, 1, 0)
    assert not ProcessedEvent.objects.filter(event_id=late.id).exists()


def a_bad_deploy(events: int) -> tuple[ConsumerRunner, InMemoryTransport]:
    """Every event fails; the runner stops at the third dead letter in a row."""

    def broken(events: list[Event]) -> list[uuid.UUID]:
        raise KeyError("a bad deploy")

    policy = DeadLetterPolicy(max_consecutive=2)
    runner, transport = runner_for({USER_CREATED: broken}, max_attempts=1, policy=policy)
    for _ in range(events):
        transport.publish(USER_CREATED, created())
    return runner, transport


def test_the_stop_limit_commits_what_was_handled_before_it() -> None:
    runner, transport = a_bad_deploy(4)
    with pytest.raises(DeadLetterLimitReached, match="3 dead letters in a row"):
        runner.run_once()
    # Two dead letters written and committed; the third would pass the limit.
    assert transport.committed == {TopicPartition(physical_topic(USER_CREATED), 0): 2}


def test_a_commit_failing_after_the_stop_limit_still_raises_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner, transport = a_bad_deploy(4)

    def commit_fails(offsets: object) -> None:
        raise KafkaError("the group coordinator is away")

    monkeypatch.setattr(transport, "commit", commit_fails)
    with pytest.raises(DeadLetterLimitReached, match="3 dead letters in a row"):
        runner.run_once()
    assert len(transport.sent[physical_topic(dlq_topic(USER_CREATED))]) == 2


def test_a_stop_during_a_temporary_error_moves_past_nothing() -> None:
    stop = threading.Event()

    def database_away(events: list[Event]) -> list[uuid.UUID]:
        stop.set()  # SIGTERM while the database is away
        raise OperationalError("connection refused")

    runner, transport = runner_for({USER_CREATED: database_away}, stop=stop)
    transport.publish(USER_CREATED, created())
    assert runner.run_once() == 0
    tp = TopicPartition(physical_topic(USER_CREATED), 0)
    assert transport.committed.get(tp, 0) == 0
    runner.close()  # as run_forever does on the way out: the restart reads it again
    assert [record.offset for record in transport.poll(0)[tp]] == [0]
    assert runner.stats.dead_lettered == 0
