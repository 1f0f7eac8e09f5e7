from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from common.api.health import reset_readiness_cache
from common.events.topics import dlq_topic
from common.kafka.config import physical_topic
from common.kafka.producer import reset_producer
from scripts.system import free_port
from tests.support.kafka import LocalKafka, create_isolated_topic, delete_topics


@pytest.fixture
def kafka_topic() -> Iterator[str]:
    """A topic of this test's own, deleted afterwards (the code's name for it:
    see ``create_isolated_topic``)."""
    name = create_isolated_topic()
    yield name
    delete_topics(physical_topic(name), physical_topic(dlq_topic(name)))


@pytest.fixture
def local_kafka() -> Iterator[LocalKafka]:
    """Control of the project's own broker; always left running afterwards."""
    if not LocalKafka.available():
        pytest.skip(
            "stops and starts the broker that scripts/services.sh runs; "
            "KAFKA_BOOTSTRAP_SERVERS points at another one"
        )
    kafka = LocalKafka()
    try:
        yield kafka
    finally:
        kafka.start()
        reset_producer()


@pytest.fixture(autouse=True)
def _fresh_readiness_per_test() -> Iterator[None]:
    # /readyz caches its answer per process for a second or two; each test
    # judges the dependencies as they are now.
    reset_readiness_cache()
    yield
    reset_readiness_cache()


@pytest.fixture(autouse=True)
def _fresh_producer_per_test() -> Iterator[None]:
    # A test that stopped the broker must not hand a broken client to the next.
    yield
    reset_producer()


@pytest.fixture
def unused_port() -> int:
    """A local port nothing listens on (a server that is down)."""
    return free_port()


@pytest.fixture
def api_schema(db: Any) -> Iterator[Any]:
    """This run's project's OpenAPI document, over its WSGI app inside the
    test's transaction: what schemathesis fuzzes (tests/*/test_fuzz.py)."""
    # Imported here: only the fuzz tests pay for loading schemathesis.
    import schemathesis

    from tests.support.fuzz import wsgi_app_in_test_transaction

    with wsgi_app_in_test_transaction() as app:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
