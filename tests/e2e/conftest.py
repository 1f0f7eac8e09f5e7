from __future__ import annotations

from collections.abc import Iterator

import pytest

from common.events.topics import ALL_TOPICS, dlq_topic
from scripts.system import System, system_processes
from tests.support.kafka import end_offsets


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = System(workdir=tmp_path_factory.mktemp("e2e"))
    running.prepare()
    try:
        for name in system_processes():
            running.start(name)
        running.wait_ready()
        yield running
    finally:
        running.stop_all()
        running.drop_databases()
        running.delete_topics()


@pytest.fixture
def dead_letters_stay_empty(system: System) -> Iterator[None]:
    """A double apply or an event that cannot be handled would land in a
    dead-letter topic: the test using this proves none of them grew."""
    dlqs = [dlq_topic(f"{system.prefix}{topic}") for topic in ALL_TOPICS]
    before = end_offsets(dlqs)
    yield
    assert end_offsets(dlqs) == before, "something was dead-lettered"
