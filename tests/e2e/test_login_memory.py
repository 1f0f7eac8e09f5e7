"""A burst of logins against users-web run as the chart runs it (its workers,
threads and hashing cap from values.yaml): the pod's resident memory stays
under the chart's limit and within the stated arithmetic, and every attempt
is answered 401, 429 or 503 with Retry-After, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from scripts.memory import (
    HASH_OVERHEAD_KIB,
    chart_web_pod,
    hash_budget_kib,
    login_burst,
    peak_resident,
    resident_kib,
)
from scripts.poll import eventually
from scripts.system import System

CLIENTS = 32  # the burst, twice what took the workers past 1 GB


@pytest.fixture(scope="module")
def users_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, dict[str, str]]]:
    env, _ = chart_web_pod("users-web")
    system = System(workdir=Path(tmp_path_factory.mktemp("login-memory")))
    system.prepare()
    try:
        system.start("users-web", **env)

        def ready() -> bool:
            try:
                return requests.get(f"{system.users_url}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        eventually(ready, timeout=120, message="users-web did not start")
        yield system, env
    finally:
        system.stop_all()
        system.drop_databases()
        system.delete_topics()


@pytest.mark.timeout(300)
def test_32_concurrent_logins_stay_within_the_pods_memory_budget(
    users_web: tuple[System, dict[str, str]],
) -> None:
    system, env = users_web
    _, limit_kib = chart_web_pod("users-web")
    master = system.processes["users-web.1"].popen.pid
    # Every thread of every worker has answered a login before "idle" is
    # measured, so the burst's growth is what the burst holds.
    for _ in range(2):
        login_burst(system.users_url, CLIENTS)
    idle_kib = resident_kib(master)
    # The baseline: the same burst refused before any hash (malformed emails).
    with peak_resident(master) as baseline:
        refused = [
            a for _ in range(3) for a in login_burst(system.users_url, CLIENTS, hashing=False)
        ]
    assert {a.status_code for a in refused} == {400}
    requests_kib = max(0, baseline.kib - idle_kib)

    with peak_resident(master) as peak:
        answers = [a for _ in range(3) for a in login_burst(system.users_url, CLIENTS)]

    statuses = sorted({a.status_code for a in answers})
    assert set(statuses) <= {401, 429, 503}, statuses
    assert all(a.headers.get("Retry-After") for a in answers if a.status_code == 503)
    assert peak.kib <= limit_kib, (
        f"peak {peak.kib // 1024} MiB over the chart's {limit_kib // 1024} MiB limit "
        f"(idle {idle_kib // 1024} MiB)"
    )
    budget_kib = hash_budget_kib(env)
    assert peak.kib - idle_kib <= budget_kib + requests_kib, (
        f"grew {(peak.kib - idle_kib) // 1024} MiB under the burst; the arithmetic allows "
        f"{budget_kib // 1024} MiB (workers x min(threads, hashes at once) x (hash memory "
        f"+ {HASH_OVERHEAD_KIB // 1024} MiB beside it)) "
        f"+ {requests_kib // 1024} MiB (the same burst without hashing)"
    )
