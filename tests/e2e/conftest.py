from __future__ import annotations

from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient

from tests.e2e.system import System
from tests.support.kafka import bootstrap

ALL_PROCESSES = (
    "users-web",
    "games-web",
    "users-consumer",
    "games-consumer",
    "users-relay",
    "games-relay",
    "celery-worker",
    "celery-beat",
    "catalog-stub",
)


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = System(workdir=tmp_path_factory.mktemp("e2e"))
    running.prepare()
    try:
        for name in ALL_PROCESSES:
            running.start(name)
        running.wait_ready()
        yield running
    finally:
        running.stop_all()
        running.drop_databases()
        admin = KafkaAdminClient(bootstrap_servers=bootstrap(), client_id="e2e-cleanup")
        try:
            ours = [t for t in admin.list_topics() if t.startswith(running.prefix)]
            if ours:
                admin.delete_topics(ours, raise_errors=False)
        finally:
            admin.close()
