"""The consumer runner over the real broker: exactly-once effects through the
inbox, dead letters for poison messages, offsets committed after the work."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from kafka.errors import KafkaError
from prometheus_client import REGISTRY

from common.events.envelope import decode
from common.events.event import Event
from common.events.topics import dlq_topic
from common.events.users import user_created
from common.inbox.models import ProcessedEvent
from common.inbox.services import inbox
from common.kafka import producer as producer_module
from common.kafka.config import physical_topic
from common.kafka.consumer import ConsumerRunner, ConsumerSpec, EventRejected, Handler
from common.kafka.deadletter_policy import DeadLetterLimitReached, DeadLetterPolicy
from common.kafka.producer import reset_producer
from common.kafka.transport import KafkaTransport
from scripts.poll import eventually
from tests.support.consumers import each
from tests.support.kafka import produce_raw, publish, read_all

pytestmark = pytest.mark.django_db(transaction=True)


def an_event() -> Event:
    return user_created(user_id=uuid.uuid4(), email="x@example.com", name="X", source="users")


def spec_for(topic: str, handler: Handler) -> ConsumerSpec:
    """A consumer of user.created on ``topic`` with ``handler``, as given."""
    return ConsumerSpec(
        name=f"test-{topic}",
        topics=(topic,),
        group_id=f"group-{topic}",
        handlers={"user.created": handler},
    )


def make_runner(topic: str, apply: Callable[[Event], None], **kwargs) -> ConsumerRunner:
    """A consumer whose handler calls ``apply`` on each event, behind the inbox."""
    return ConsumerRunner(spec_for(topic, inbox(f"test-{topic}", each(apply))), **kwargs)


def run_until(runner: ConsumerRunner, done: Callable[[], bool], timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    try:
        while not done():
            assert time.monotonic() < deadline, f"consumer did not finish: {runner.stats}"
            runner.run_once()
    finally:
        runner.close()


def test_a_redelivered_event_is_processed_once(kafka_topic: str) -> None:
    seen: list[uuid.UUID] = []
    event = an_event()
    publish(kafka_topic, event)
    publish(kafka_topic, event)  # the same event id again: a redelivery

    runner = make_runner(kafka_topic, lambda e: seen.append(e.id))
    run_until(runner, lambda: runner.stats.processed + runner.stats.duplicate == 2)

    assert seen == [event.id]
    assert (runner.stats.processed, runner.stats.duplicate) == (1, 1)
    assert ProcessedEvent.objects.filter(event_id=event.id).count() == 1


def test_committed_offsets_are_not_consumed_again_by_the_group(kafka_topic: str) -> None:
    seen: list[uuid.UUID] = []
    first, second = an_event(), an_event()
    publish(kafka_topic, first)
    runner = make_runner(kafka_topic, lambda e: seen.append(e.id))
    run_until(runner, lambda: len(seen) == 1)

    publish(kafka_topic, second)
    restarted = make_runner(kafka_topic, lambda e: seen.append(e.id))
    run_until(restarted, lambda: len(seen) == 2)
    assert seen == [first.id, second.id]
    assert restarted.stats.duplicate == 0  # it started after the committed offset


def test_a_poison_message_goes_to_the_dlq_and_the_next_is_processed(kafka_topic: str) -> None:
    seen: list[uuid.UUID] = []
    good = an_event()
    # One partition's worth of order: poison first, then a good event, same key.
    produce_raw(physical_topic(kafka_topic), b"this is not json", key=good.key.encode())
    publish(kafka_topic, good, correlation_id="corr-1")

    runner = make_runner(kafka_topic, lambda e: seen.append(e.id))
    run_until(runner, lambda: seen == [good.id])

    dead = read_all(physical_topic(dlq_topic(kafka_topic)), expected=1)
    assert len(dead) == 1
    headers = dict(dead[0].headers)
    assert dead[0].value == b"this is not json"
    assert headers["dlq.reason"] == b"decode_error"
    assert b"not JSON" in headers["dlq.error"]
    assert headers["dlq.original_topic"] == physical_topic(kafka_topic).encode()
    assert runner.stats.dead_lettered == 1


def test_an_event_the_handler_rejects_goes_to_the_dlq_without_retries(kafka_topic: str) -> None:
    calls: list[uuid.UUID] = []

    def reject(event: Event) -> None:
        calls.append(event.id)
        raise EventRejected("unknown user")

    event = an_event()
    publish(kafka_topic, event)
    runner = make_runner(kafka_topic, reject)
    run_until(runner, lambda: runner.stats.dead_lettered == 1)

    assert calls == [event.id]
    [dead] = read_all(physical_topic(dlq_topic(kafka_topic)), expected=1)
    assert dict(dead.headers)["dlq.reason"] == b"rejected"
    assert decode(dead.value).id == event.id
    # Rejected means not processed: no inbox row, so a fixed handler could replay it.
    assert not ProcessedEvent.objects.filter(event_id=event.id).exists()


def test_a_failing_handler_is_retried_and_its_partial_writes_rolled_back(
    kafka_topic: str,
) -> None:
    attempts: list[int] = []

    def flaky(event: Event) -> None:
        attempts.append(1)
        # A write that must vanish with the failed attempt.
        ProcessedEvent.objects.create(consumer="side-effect", event_id=uuid.uuid4(), event_type="x")
        if len(attempts) < 3:
            raise RuntimeError("transient bug")

    publish(kafka_topic, an_event())
    runner = make_runner(kafka_topic, flaky, max_attempts=3)
    run_until(runner, lambda: runner.stats.processed == 1)
    assert len(attempts) == 3
    assert ProcessedEvent.objects.filter(consumer="side-effect").count() == 1
    assert runner.stats.dead_lettered == 0


def test_a_handler_failing_every_time_ends_in_the_dlq(kafka_topic: str) -> None:
    def broken(event: Event) -> None:
        raise ValueError("always")

    publish(kafka_topic, an_event())
    runner = make_runner(kafka_topic, broken, max_attempts=2)
    run_until(runner, lambda: runner.stats.dead_lettered == 1)
    [dead] = read_all(physical_topic(dlq_topic(kafka_topic)), expected=1)
    headers = dict(dead.headers)
    assert headers["dlq.reason"] == b"handler_error"
    assert b"ValueError('always')" in headers["dlq.error"]


def test_the_run_loop_stops_cleanly_when_asked(kafka_topic: str) -> None:
    seen: list[uuid.UUID] = []
    runner = make_runner(kafka_topic, lambda e: seen.append(e.id))
    thread = threading.Thread(target=runner.run_forever)
    thread.start()
    event = an_event()
    publish(kafka_topic, event)
    try:
        eventually(lambda: seen, timeout=45, message="the run loop handled nothing")
    finally:
        runner.stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert seen == [event.id]
    assert runner.transport._consumer is None  # closed on the way out


def make_batch_runner(
    topic: str, batches: list[list[uuid.UUID]], seen: list[uuid.UUID]
) -> ConsumerRunner:
    def many(events: list[Event]) -> list[uuid.UUID]:
        batches.append([e.id for e in events])
        seen.extend(e.id for e in events)
        return [e.id for e in events]

    return ConsumerRunner(spec_for(topic, inbox(f"test-{topic}", many)))


def test_a_handler_applies_a_poll_in_one_go_and_the_inbox_skips_redeliveries(
    kafka_topic: str,
) -> None:
    events = [an_event() for _ in range(20)]
    for event in events:
        publish(kafka_topic, event)
    publish(kafka_topic, events[0])  # a redelivery inside the same stream
    batches: list[list[uuid.UUID]] = []
    seen: list[uuid.UUID] = []
    runner = make_batch_runner(kafka_topic, batches, seen)
    run_until(runner, lambda: runner.stats.processed + runner.stats.duplicate == 21)
    assert sorted(seen) == sorted(e.id for e in events)  # each once
    assert runner.stats.duplicate == 1
    assert max(len(b) for b in batches) > 1  # really batched
    assert ProcessedEvent.objects.filter(event_id__in=[e.id for e in events]).count() == 20


def test_a_batch_is_logged_in_one_line_mapping_each_event_to_its_correlation_id(
    kafka_topic: str, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [an_event() for _ in range(5)]
    key = events[0].key.encode()
    for n, event in enumerate(events):
        produce_raw(
            physical_topic(kafka_topic),
            event.encode(),
            key=key,
            headers=[("correlation_id", b"req-%d" % n)],
        )
    runner = make_batch_runner(kafka_topic, [], [])
    capsys.readouterr()
    run_until(runner, lambda: runner.stats.processed == 5)
    lines = [line for line in capsys.readouterr().err.splitlines() if "consumer.applied" in line]
    assert 1 <= len(lines) < 5  # per batch, not per event
    text = "\n".join(lines)
    for n, event in enumerate(events):
        assert f"'{event.id}': 'req-{n}'" in text


def test_a_poison_message_in_a_batch_goes_alone_to_the_dlq_and_the_rest_is_applied(
    kafka_topic: str,
) -> None:
    good = [an_event() for _ in range(5)]
    key = good[0].key.encode()
    produce_raw(physical_topic(kafka_topic), good[0].encode(), key=key)
    produce_raw(physical_topic(kafka_topic), b"poison", key=key)
    for event in good[1:]:
        produce_raw(physical_topic(kafka_topic), event.encode(), key=key)
    batches: list[list[uuid.UUID]] = []
    seen: list[uuid.UUID] = []
    runner = make_batch_runner(kafka_topic, batches, seen)
    run_until(runner, lambda: runner.stats.processed + runner.stats.dead_lettered == 6)
    assert sorted(seen) == sorted(e.id for e in good)
    assert runner.stats.dead_lettered == 1
    [dead] = read_all(physical_topic(dlq_topic(kafka_topic)), expected=1)
    assert dead.value == b"poison"


def make_keyed_runner(
    topic: str, stored: set[uuid.UUID], batches: list[list[uuid.UUID]]
) -> ConsumerRunner:
    """A consumer whose handler is its own inbox (no ``inbox`` wrapper):
    ``stored`` stands for a table unique by event id."""

    def own_inbox(events: list[Event]) -> set[uuid.UUID]:
        batches.append([e.id for e in events])
        new = {e.id for e in events} - stored
        stored.update(new)
        return new

    return ConsumerRunner(spec_for(topic, own_inbox))


def test_a_handler_that_is_its_own_inbox_gets_each_id_once_and_its_skips_count_as_duplicates(
    kafka_topic: str,
) -> None:
    events = [an_event() for _ in range(10)]
    key = events[0].key.encode()  # one partition: one poll sees them all
    for event in [*events, events[0]]:  # a redelivery inside the same batch
        produce_raw(physical_topic(kafka_topic), event.encode(), key=key)
    stored = {events[1].id}  # applied before, by an earlier run
    batches: list[list[uuid.UUID]] = []
    runner = make_keyed_runner(kafka_topic, stored, batches)
    run_until(runner, lambda: runner.stats.processed + runner.stats.duplicate == 11)
    assert (runner.stats.processed, runner.stats.duplicate) == (9, 2)
    assert stored == {e.id for e in events}
    for batch in batches:
        assert len(batch) == len(set(batch))  # the handler never sees an id twice in a batch
    assert max(len(b) for b in batches) > 1  # really batched
    # The runner wrote no processed-event rows: the handler's key is the inbox.
    assert not ProcessedEvent.objects.filter(event_id__in=[e.id for e in events]).exists()


def test_a_handler_that_is_its_own_inbox_skips_stored_events_around_a_poison_message(
    kafka_topic: str,
) -> None:
    events = [an_event() for _ in range(3)]
    key = events[0].key.encode()
    produce_raw(physical_topic(kafka_topic), events[0].encode(), key=key)
    produce_raw(physical_topic(kafka_topic), b"poison", key=key)
    for event in [events[1], events[2], events[0]]:  # and a redelivery
        produce_raw(physical_topic(kafka_topic), event.encode(), key=key)
    stored: set[uuid.UUID] = set()
    batches: list[list[uuid.UUID]] = []
    runner = make_keyed_runner(kafka_topic, stored, batches)
    run_until(
        runner,
        lambda: runner.stats.processed + runner.stats.duplicate + runner.stats.dead_lettered == 5,
    )
    assert (runner.stats.processed, runner.stats.duplicate) == (3, 1)
    assert runner.stats.dead_lettered == 1
    assert stored == {e.id for e in events}


def dead_letter_count(consumer: str, reason: str) -> float:
    labels = {"consumer": consumer, "reason": reason}
    return REGISTRY.get_sample_value("consumer_dead_letters_total", labels) or 0.0


def test_an_event_whose_source_is_not_the_topics_owner_is_dead_lettered_and_counted(
    kafka_topic: str,
) -> None:
    seen: list[uuid.UUID] = []
    forged = dataclasses.replace(an_event(), source="attacker")
    genuine = an_event()
    key = genuine.key.encode()
    produce_raw(physical_topic(kafka_topic), forged.encode(), key=key)
    produce_raw(physical_topic(kafka_topic), genuine.encode(), key=key)
    runner = make_runner(kafka_topic, lambda e: seen.append(e.id))
    before = dead_letter_count(runner.spec.name, "wrong_source")

    run_until(runner, lambda: seen == [genuine.id])

    [dead] = read_all(physical_topic(dlq_topic(kafka_topic)), expected=1)
    headers = dict(dead.headers)
    assert decode(dead.value).id == forged.id
    assert headers["dlq.reason"] == b"wrong_source"
    assert headers["dlq.error"] == (
        b"source 'attacker' does not own user.created (its owner is 'users')"
    )
    assert dead_letter_count(runner.spec.name, "wrong_source") == before + 1
    assert not ProcessedEvent.objects.filter(event_id=forged.id).exists()


def test_forged_events_do_not_count_toward_stopping_the_consumer(kafka_topic: str) -> None:
    seen: list[uuid.UUID] = []
    event = an_event()
    for _ in range(5):
        forged = dataclasses.replace(an_event(), source="games")
        produce_raw(physical_topic(kafka_topic), forged.encode(), key=event.key.encode())
    publish(kafka_topic, event)
    runner = make_runner(
        kafka_topic,
        lambda e: seen.append(e.id),
        policy=DeadLetterPolicy(max_consecutive=2, max_ratio=1),
    )
    run_until(runner, lambda: seen == [event.id])  # five forgeries in a row, no stop
    assert runner.stats.dead_lettered == 5


def test_a_handler_failing_every_event_stops_the_runner_and_commits_only_what_it_handled(
    kafka_topic: str,
) -> None:
    events = [an_event() for _ in range(7)]
    key = events[0].key.encode()  # one partition: one order
    for event in events:
        produce_raw(physical_topic(kafka_topic), event.encode(), key=key)

    def broken(event: Event) -> None:
        raise KeyError("a bad deploy")

    runner = make_runner(
        kafka_topic, broken, max_attempts=1, policy=DeadLetterPolicy(max_consecutive=3)
    )
    with pytest.raises(DeadLetterLimitReached, match="4 dead letters in a row"):
        run_until(runner, lambda: False)
    dead = read_all(physical_topic(dlq_topic(kafka_topic)), expected=3)
    assert [decode(record.value).id for record in dead] == [e.id for e in events[:3]]

    # The fixed deploy starts where the stop left: the four events not
    # dead-lettered, none lost, none of the three again.
    seen: list[uuid.UUID] = []
    fixed = make_runner(kafka_topic, lambda e: seen.append(e.id))
    run_until(fixed, lambda: len(seen) == 4)
    assert seen == [e.id for e in events[3:]]
    assert fixed.stats.dead_lettered == 0


class _Producer:
    """kafka-python's producer as the transport uses it: every send fails
    (``error``, e.g. a fatal state that no retry clears) or succeeds."""

    def __init__(self, error: KafkaError | None) -> None:
        self.error = error

    def send(self, topic: str, **kwargs: object) -> _Producer:
        return self

    def get(self, timeout: float) -> None:
        if self.error:
            raise self.error

    def close(self, timeout: float | None = None) -> None:
        pass


def test_a_dead_letter_the_producer_failed_is_sent_next_time_by_a_new_producer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = iter([_Producer(KafkaError("fatal: every send fails")), _Producer(None)])
    monkeypatch.setattr(producer_module._producer, "_build", lambda: next(built))
    reset_producer()
    transport = KafkaTransport(name="test", topics=("t",), group_id="test")
    with pytest.raises(KafkaError, match="fatal"):
        transport.send("t.dlq", key=None, value=b"{}", headers=[])
    # run_forever starts over after a KafkaError: the retry needs a working producer.
    transport.send("t.dlq", key=None, value=b"{}", headers=[])
