"""The transactional outbox and its relay, against the real PostgreSQL and Kafka."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from kafka.errors import KafkaTimeoutError
from kafka.future import Future

from common.events.envelope import decode
from common.events.users import user_created
from common.inbox.models import ProcessedEvent
from common.kafka.config import physical_topic
from common.kafka.producer import get_producer
from common.logging import bound_context
from common.outbox.models import OutboxEvent
from common.outbox.relay import OutboxRelay, RoundResult
from common.outbox.services import outbox_enqueue, outbox_write
from common.outbox.wakeup import OutboxWakeup
from scripts.poll import eventually
from tests.support.kafka import read_all

pytestmark = pytest.mark.django_db(transaction=True)


def enqueue_users(topic: str, count: int, *, correlation_id: str | None = None) -> list[uuid.UUID]:
    """Write ``count`` user.created events to the outbox, routed to ``topic``."""
    ids = []
    with transaction.atomic(), bound_context(correlation_id=correlation_id):
        for i in range(count):
            event = user_created(
                user_id=uuid.uuid4(), email=f"u{i}@example.com", name=f"U{i}", source="test"
            )
            outbox_enqueue(event=event)
            ids.append(event.id)
        # Route this test's rows to its own topic, away from the real
        # user.created, before a running relay can see them.
        OutboxEvent.objects.filter(event_id__in=ids).update(topic=physical_topic(topic))
    return ids


def drain(relay: OutboxRelay, *, timeout: float = 60) -> None:
    def all_sent() -> bool:
        relay.run_once()
        return not OutboxEvent.objects.filter(sent_at__isnull=True).exists()

    eventually(all_sent, timeout=timeout, message="the relay did not publish every row", every=0.2)


def test_enqueue_outside_a_transaction_is_refused() -> None:
    event = user_created(user_id=uuid.uuid4(), email="a@example.com", name="A", source="test")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_enqueue(event=event)
    assert not OutboxEvent.objects.exists()


def test_a_rolled_back_change_leaves_no_outbox_row() -> None:
    event = user_created(user_id=uuid.uuid4(), email="a@example.com", name="A", source="test")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox_enqueue(event=event)
        1 / 0  # noqa: B018  the change that fails after the event was queued
    assert not OutboxEvent.objects.exists()


# A change for outbox_write to make: a row of another common table, written
# only when the last parameter is true.
CHANGE = (
    "INSERT INTO common_processedevent (consumer, event_id, event_type, processed_at) "
    "SELECT 'test', %s, 'test', now() WHERE %s RETURNING event_id"
)


def test_a_change_and_its_event_are_written_together_by_one_statement() -> None:
    event = user_created(user_id=uuid.uuid4(), email="a@example.com", name="A", source="test")
    assert outbox_write(CHANGE, [event.id, True], event=event) == (event.id,)
    assert ProcessedEvent.objects.get().event_id == OutboxEvent.objects.get().event_id == event.id


def test_a_change_that_writes_nothing_queues_nothing() -> None:
    event = user_created(user_id=uuid.uuid4(), email="a@example.com", name="A", source="test")
    assert outbox_write(CHANGE, [event.id, False], event=event) is None
    assert not ProcessedEvent.objects.exists() and not OutboxEvent.objects.exists()


def test_a_change_that_fails_queues_nothing() -> None:
    event = user_created(user_id=uuid.uuid4(), email="a@example.com", name="A", source="test")
    outbox_write(CHANGE, [event.id, True], event=event)
    again = user_created(user_id=uuid.uuid4(), email="b@example.com", name="B", source="test")
    with pytest.raises(IntegrityError), transaction.atomic():
        outbox_write(CHANGE, [event.id, True], event=again)  # the same event id: refused
    assert list(OutboxEvent.objects.values_list("event_id", flat=True)) == [event.id]


def test_an_outbox_row_reaches_a_real_consumer_exactly_once(kafka_topic: str) -> None:
    [event_id] = enqueue_users(kafka_topic, 1, correlation_id="req-123")
    drain(OutboxRelay())

    records = read_all(physical_topic(kafka_topic), expected=1)
    assert len(records) == 1
    record = records[0]
    event = decode(record.value)
    assert event.id == event_id
    assert record.key == event.data["user_id"].encode()
    assert dict(record.headers)["correlation_id"] == b"req-123"
    row = OutboxEvent.objects.get(event_id=event_id)
    assert row.sent_at is not None and row.attempts == 0


def test_one_users_events_share_a_partition_in_order(kafka_topic: str) -> None:
    user_id = uuid.uuid4()
    with transaction.atomic():
        events = [
            user_created(user_id=user_id, email=f"v{i}@example.com", name=str(i), source="test")
            for i in range(5)
        ]
        for event in events:
            outbox_enqueue(event=event)
    OutboxEvent.objects.update(topic=physical_topic(kafka_topic))
    drain(OutboxRelay(batch_size=2))
    records = read_all(physical_topic(kafka_topic), expected=5)
    assert {r.partition for r in records} == {records[0].partition}
    assert [decode(r.value).id for r in sorted(records, key=lambda r: r.offset)] == [
        e.id for e in events
    ]


def test_concurrent_relays_publish_every_row_once(kafka_topic: str) -> None:
    ids = enqueue_users(kafka_topic, 300)
    relays = [OutboxRelay(batch_size=25, worker_id=f"relay-{n}") for n in range(3)]

    def work(relay: OutboxRelay) -> None:
        from django.db import connection

        try:
            while (
                relay.run_once().sent or OutboxEvent.objects.filter(sent_at__isnull=True).exists()
            ):
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    records = read_all(physical_topic(kafka_topic), expected=300)
    published = [decode(r.value).id for r in records]
    assert sorted(published) == sorted(ids)
    assert sum(relay.published for relay in relays) == 300
    # Which relay wins which rows is a race; that claims are split is
    # test_a_claimed_batch_is_skipped_by_every_other_relay.


def test_a_claimed_batch_is_skipped_by_every_other_relay(kafka_topic: str) -> None:
    ids = enqueue_users(kafka_topic, 50)
    first = OutboxRelay(batch_size=25, worker_id="relay-a")._claim()
    second = OutboxRelay(batch_size=25, worker_id="relay-b")._claim()
    assert len(first) == len(second) == 25
    assert {row.event_id for row in first} | {row.event_id for row in second} == set(ids)
    # Both batches are leased: a third relay finds nothing to claim.
    assert OutboxRelay(batch_size=25, worker_id="relay-c")._claim() == []


def test_a_dead_relays_batch_is_sent_again_once_its_lease_runs_out(kafka_topic: str) -> None:
    ids = enqueue_users(kafka_topic, 5)
    # Claimed, published and acknowledged, then killed before marking them sent.
    dead = OutboxRelay(lease_seconds=1, worker_id="relay-dead")
    leased = dead._claim()
    assert dead._publish(get_producer(), leased) == {}  # no failures
    survivor = OutboxRelay(worker_id="relay-alive")
    assert survivor.run_once().sent == 0  # the lease still holds
    drain(survivor, timeout=30)
    assert survivor.published == 5
    # At least once: each event is on the topic twice, and consumers drop
    # the second copy by its event id (common.inbox).
    records = read_all(physical_topic(kafka_topic), expected=10)
    assert sorted(decode(r.value).id for r in records) == sorted(ids * 2)
    # The dead relay settling late (a pause, not a death) changes nothing.
    settled = dict(OutboxEvent.objects.values_list("event_id", "sent_at"))
    dead._settle(leased, {})
    assert dict(OutboxEvent.objects.values_list("event_id", "sent_at")) == settled


def test_a_late_relays_failure_leaves_the_lease_of_the_relay_that_took_over(
    kafka_topic: str,
) -> None:
    """A relay settling a failed publish after its lease ran out (a pause) must
    not release the row another relay now publishes: a third would publish it too."""
    enqueue_users(kafka_topic, 1)
    late = OutboxRelay(lease_seconds=0.5, worker_id="relay-late")
    [row] = late._claim()
    time.sleep(1)
    assert len(OutboxRelay(worker_id="relay-owner")._claim()) == 1
    late._settle([row], {row.pk: "no acknowledgement before the timeout"})
    assert OutboxEvent.objects.get(pk=row.pk).claimed_by == "relay-owner"
    assert OutboxRelay(worker_id="relay-third")._claim() == []


def test_sent_rows_are_purged_after_retention(kafka_topic: str) -> None:
    _, _, recent = enqueue_users(kafka_topic, 3)
    relay = OutboxRelay(retention_hours=24)
    drain(relay)
    OutboxEvent.objects.exclude(event_id=recent).update(sent_at=timezone.now() - timedelta(days=2))
    assert relay.purge_sent() == 2
    assert list(OutboxEvent.objects.values_list("event_id", flat=True)) == [recent]


@pytest.mark.kafka_restart
def test_events_written_while_kafka_is_stopped_arrive_after_it_returns(
    kafka_topic: str, local_kafka
) -> None:
    relay = OutboxRelay()
    local_kafka.stop()
    ids = enqueue_users(kafka_topic, 5)

    result = relay.run_once()
    assert (result.sent, result.failed) == (0, 5)
    row = OutboxEvent.objects.get(event_id=ids[0])
    assert row.sent_at is None and row.attempts == 1 and row.last_error

    local_kafka.start()
    drain(relay, timeout=90)  # the same relay object survives the outage

    records = read_all(physical_topic(kafka_topic), expected=5)
    assert sorted(decode(r.value).id for r in records) == sorted(ids)


@pytest.fixture
def wakeup() -> Iterator[OutboxWakeup]:
    """A relay's wake-up connection, as a test holds it; closed after."""
    listener = OutboxWakeup()
    try:
        yield listener
    finally:
        listener.close()


def test_a_committed_outbox_row_wakes_a_listening_relay_and_a_rollback_does_not(
    kafka_topic: str, wakeup: OutboxWakeup
) -> None:
    stop = threading.Event()
    with wakeup.sleep_lock() as held:
        assert held
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            outbox_enqueue(
                event=user_created(
                    user_id=uuid.uuid4(), email="r@example.com", name="R", source="test"
                )
            )
            1 / 0  # noqa: B018  the change fails after the event was queued
        assert wakeup.wait(0.5, stop) is False
        enqueue_users(kafka_topic, 2)
        assert wakeup.wait(30, stop) is True


def test_a_write_while_no_relay_sleeps_notifies_nobody(
    kafka_topic: str, wakeup: OutboxWakeup
) -> None:
    """A busy relay looks again by itself: its writers skip the NOTIFY, whose
    commit would serialise with every other notifying commit on the server."""
    stop = threading.Event()
    wakeup.listen()
    enqueue_users(kafka_topic, 2)
    assert wakeup.wait(0.5, stop) is False
    with wakeup.sleep_lock() as held:
        assert held
        enqueue_users(kafka_topic, 1)
        assert wakeup.wait(30, stop) is True
    enqueue_users(kafka_topic, 1)
    assert wakeup.wait(0.5, stop) is False


def test_a_relay_going_to_sleep_waits_for_a_writer_that_did_not_notify(
    kafka_topic: str, wakeup: OutboxWakeup
) -> None:
    """The hand-over without a lost wake-up: a writer whose trigger found no
    relay asleep holds the sleep lock shared until it commits, so the relay's
    lock is granted only then, and its last look sees the row."""
    from django.db import connection

    inserted, event_ids = threading.Event(), []

    def write_slowly() -> None:
        try:
            with transaction.atomic():
                event_ids.extend(enqueue_users(kafka_topic, 1))
                inserted.set()
                threading.Event().wait(0.1)  # still uncommitted when the relay asks
        finally:
            connection.close()

    writer = threading.Thread(target=write_slowly)
    try:
        wakeup.listen()
        writer.start()
        assert inserted.wait(30)
        with wakeup.sleep_lock() as held:
            assert held
            assert OutboxEvent.objects.filter(event_id__in=event_ids, sent_at__isnull=True).exists()
    finally:
        writer.join(timeout=30)


def test_a_broken_listener_is_opened_again_and_hears_the_next_row(
    kafka_topic: str, wakeup: OutboxWakeup
) -> None:
    """The database ending the listener's session (a restart, a failover) is
    logged, not raised, and the next sleep listens on a new session."""
    from django.db import connection

    stop = threading.Event()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [wakeup.listen().get_backend_pid()])
    wakeup.wait(5, stop)
    with wakeup.sleep_lock() as held:
        assert held
        enqueue_users(kafka_topic, 1)
        assert wakeup.wait(30, stop) is True


@pytest.mark.parametrize("relays", [1, 2])
def test_idle_relays_publish_new_rows_long_before_their_safety_poll(
    kafka_topic: str, relays: int
) -> None:
    """With two, one sleeps holding the sleep lock and the other waits for it:
    the writers notify, and a row is published either way."""
    from django.db import connection

    stop = threading.Event()

    def run(relay: OutboxRelay) -> None:
        try:
            relay.run_forever(stop)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(OutboxRelay(worker_id=f"relay-{n}", safety_poll=120),))
        for n in range(relays)
    ]
    for thread in threads:
        thread.start()
    try:
        event_ids = []
        for _ in range(3):
            [event_id] = enqueue_users(kafka_topic, 1)
            event_ids.append(event_id)
            eventually(
                OutboxEvent.objects.filter(event_id=event_id, sent_at__isnull=False).exists,
                timeout=60,
                message="no relay woke for the committed row",
                every=0.02,
            )
            threading.Event().wait(0.5)  # every relay back asleep before the next row
        records = read_all(physical_topic(kafka_topic), expected=3)
        assert sorted(decode(r.value).id for r in records) == sorted(event_ids)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)


def test_a_relay_whose_last_look_finds_unsendable_rows_backs_off_instead_of_sleeping(
    wakeup: OutboxWakeup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows claimed but refused (the broker away) on the look before sleeping
    send the relay back to its loop, which backs off and retries them, rather
    than into a sleep that only the safety poll would end."""
    relay = OutboxRelay(worker_id="relay-last-look")
    monkeypatch.setattr(relay, "run_once", lambda: RoundResult(sent=0, failed=2))
    started = time.monotonic()
    relay._sleep(wakeup, 30, threading.Event())
    assert time.monotonic() - started < 5


class _HalfAcknowledging:
    """A producer the broker acknowledges the first rows of, then no more
    before the flush times out (kafka-python raises KafkaTimeoutError)."""

    def __init__(self, acknowledged: int) -> None:
        self.acknowledged, self.sent = acknowledged, 0

    def send(self, topic: str, **kwargs: object) -> Future:
        self.sent += 1
        future = Future()
        if self.sent <= self.acknowledged:
            future.success(None)
        return future

    def flush(self, timeout: float | None = None) -> None:
        raise KafkaTimeoutError("Timeout waiting for future")


def test_a_flush_timeout_backs_off_only_the_rows_the_broker_did_not_acknowledge(
    kafka_topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = enqueue_users(kafka_topic, 5)
    monkeypatch.setattr("common.outbox.relay.get_producer", lambda: _HalfAcknowledging(3))
    assert OutboxRelay().run_once() == RoundResult(sent=3, failed=2)
    sent = OutboxEvent.objects.filter(sent_at__isnull=False).order_by("pk")
    assert list(sent.values_list("event_id", flat=True)) == ids[:3]
    late = OutboxEvent.objects.filter(sent_at__isnull=True)
    assert {row.last_error for row in late} == {"no acknowledgement before the timeout"}
