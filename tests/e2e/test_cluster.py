"""A three-broker Kafka cluster (replication factor 3, min.insync.replicas=2)
with one broker killed during a burst: no event lost, no request failed.

The cluster is the project's own option: ``scripts/services.sh cluster-up``.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from scripts.system import ROOT, System, system_processes
from tests.e2e.flows import (
    any_game_ids,
    assert_burst_delivered,
    login,
    record_reads,
    register_many,
)

SCRIPT = ROOT / "scripts" / "services.sh"
CLUSTER = "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"


@pytest.fixture(scope="module")
def cluster_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    subprocess.run([str(SCRIPT), "cluster-up"], check=True, timeout=600)
    system = System(
        workdir=Path(tmp_path_factory.mktemp("cluster")),
        kafka_bootstrap=CLUSTER,
        replication_factor=3,
    )
    try:
        system.prepare()
        for name in system_processes():
            system.start(name)
        system.wait_ready(timeout=180)
        yield system
    finally:
        system.stop_all()
        system.drop_databases()
        system.delete_topics()
        subprocess.run([str(SCRIPT), "cluster-down"], check=False, timeout=300)


@pytest.mark.timeout(600)
def test_one_broker_killed_during_a_burst_loses_no_event_and_fails_no_request(
    cluster_system: System,
) -> None:
    system = cluster_system
    admin = KafkaAdminClient(bootstrap_servers=CLUSTER, client_id="cluster-check")
    try:
        topic = f"{system.prefix}user.read"
        [described] = admin.describe_topics([topic])
        assert all(len(p["replica_nodes"]) == 3 for p in described["partitions"])
    finally:
        admin.close()

    game_ids = any_game_ids(system, 20)
    readers = [login(system, a) for a in register_many(system, 10)]
    # Kill broker 2 a moment into the burst.
    killer = threading.Timer(
        1.5, lambda: subprocess.run([str(SCRIPT), "cluster-kill", "2"], check=True, timeout=60)
    )
    killer.start()
    newcomers = register_many(system, 30)  # every answer asserted 201
    sent = record_reads(system, readers, game_ids, 300)  # every answer asserted 202
    killer.join()

    assert len(readers + newcomers) == 40
    assert_burst_delivered(system, readers + newcomers, sent, timeout=180)
