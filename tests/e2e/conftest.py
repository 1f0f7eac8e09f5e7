from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.system import System, system_processes


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
