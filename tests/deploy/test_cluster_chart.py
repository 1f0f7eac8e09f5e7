"""The Helm chart installed on a real one-node Kubernetes (scripts/cluster.sh).

`scripts/cluster.sh up` builds the node here (Kubernetes as a Go library,
Debian's containerd and CNI plugins, nothing pulled), imports the images
docker-compose.yml builds, installs PostgreSQL, Redis, Kafka and the chart
with deploy/helm/values-local-cluster.yaml; `down` stops all of it and fails
unless the host is as `up` found it. All test traffic goes to 127.0.0.1,
through NodePorts (kube-proxy serves them on the loopback address only).

What is proven: the flow through the Services; consumers and relays
force-deleted mid-burst lose and duplicate nothing; a rolling upgrade under
load (readiness, the web pods' preStop pause, graceful shutdown) refuses no
connection and answers no 5xx; migrations run as hook Jobs before the new
version's pods.

What this cluster cannot show, and is not faked: its bridge CNI does not
enforce NetworkPolicies (the chart's are created, and not tested to block
anything), and there is no metrics-server, so the HPAs hold their minimum and
never scale.

Skipped, saying why, only where the node cannot run at all (not root, not
Linux, no Docker engine to build the images). Stage times are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg2
import pytest
import requests

from scripts.poll import eventually
from scripts.system import ROOT
from tests.deploy.support import LocalPorts, port_taken, run
from tests.deploy.support import report as shared_report
from tests.e2e.flows import (
    Account,
    a_read_reaches_the_history,
    any_game_ids,
    applied_exactly_once,
    assert_burst_delivered,
    history_event_ids,
    outboxes_sent,
    record_reads,
    register_and_login,
)

SCRIPT = ROOT / "scripts" / "cluster.sh"
LOCAL = ROOT / ".local" / "cluster"
KUBECTL = LOCAL / "build" / "bin" / "kubectl"
KUBECONFIG = LOCAL / "kubeconfig"
CONTAINERD = "/run/users-games-cluster/containerd.sock"
CHART = ROOT / "deploy" / "helm" / "users-games"
NAMESPACE = RELEASE = "users-games"
# A cold run builds Kubernetes, CoreDNS and every image; later ones reuse them.
pytestmark = pytest.mark.timeout(3600)
# scripts/cluster.sh's NodePorts: the web services, then each one's PostgreSQL.
PORTS = {"users": 30801, "games": 30802, "users-postgresql": 30432, "games-postgresql": 30433}


def timestamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Cluster(LocalPorts):
    postgres_ports: dict[str, int]
    figures: dict[str, Any] = field(default_factory=dict)

    def kubectl(self, *args: str, timeout: float = 120) -> str:
        return run(
            [str(KUBECTL), "--kubeconfig", str(KUBECONFIG), "-n", NAMESPACE, *args], timeout=timeout
        )

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return json.loads(self.kubectl("get", kind, "-o", "json"))["items"]

    def helm(self, *args: str, timeout: float = 1200) -> str:
        helm = (
            run([str(ROOT / "scripts" / "helm.sh"), "helm"], timeout=1800).strip().splitlines()[-1]
        )
        return run([helm, "--kubeconfig", str(KUBECONFIG), "-n", NAMESPACE, *args], timeout=timeout)

    def upgrade(self, *values: str) -> float:
        """`helm upgrade --wait` with the release's values and these; seconds taken."""
        started = time.monotonic()
        self.helm(
            "upgrade", RELEASE, str(CHART), "--reuse-values", *values, "--wait", "--timeout", "15m"
        )
        return round(time.monotonic() - started, 1)

    def query(self, project: str, sql: str, params: tuple = ()) -> list[tuple]:
        # The project's PostgreSQL through its NodePort (deploy/cluster/backing-services.yaml).
        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.postgres_ports[project],
            user=project,
            password=project,
            dbname=project,
            connect_timeout=10,
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()


def report(request: pytest.FixtureRequest, text: str) -> None:
    shared_report(request, text, tag="cluster")


def cluster_script(command: str, *, timeout: float) -> tuple[int, str]:
    done = subprocess.run(
        [str(SCRIPT), command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )
    return done.returncode, done.stderr


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    if os.geteuid() != 0:
        pytest.skip("the kubelet and containerd run containers: root only")
    why = subprocess.run(
        [str(ROOT / "scripts" / "docker.sh"), "why-not"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if why.returncode == 3:
        pytest.skip(f"no Docker engine to build the images: {why.stdout.strip()}")
    system = Cluster(
        PORTS["users"],
        PORTS["games"],
        {p: PORTS[f"{p}-postgresql"] for p in ("users", "games")},
    )
    for port in PORTS.values():
        if port_taken(port) and not (LOCAL / "host-before-up").exists():
            pytest.fail(f"127.0.0.1:{port} is taken: the cluster's NodePorts need it")
    started = time.monotonic()
    try:
        code, log = cluster_script("up", timeout=3500)
        system.figures["up"] = round(time.monotonic() - started, 1)
        stages = [
            line
            for line in log.splitlines()
            if "done in" in line or line.startswith("[cluster] up in")
        ]
        report(request, f"scripts/cluster.sh up: {system.figures['up']} s\n" + "\n".join(stages))
        assert code == 0, log[-6000:]
        ready = {
            d["metadata"]["name"]: f"{d['status'].get('readyReplicas', 0)}/{d['spec']['replicas']}"
            for d in system.objects("deployments")
        }
        report(request, "Ready: " + ", ".join(f"{name} {n}" for name, n in ready.items()))
        yield system
    finally:
        started = time.monotonic()
        code, log = cluster_script("down", timeout=600)
        report(
            request,
            f"scripts/cluster.sh down: {round(time.monotonic() - started, 1)} s, exit {code}",
        )
        assert code == 0, f"the host is not as `up` found it:\n{log[-4000:]}"


def test_every_process_runs_ready_on_the_node(cluster: Cluster) -> None:
    deployments = {d["metadata"]["name"]: d for d in cluster.objects("deployments")}
    chart = {name for name in deployments if name.startswith(f"{RELEASE}-")}
    assert len(chart) == 10  # the Procfile's processes and the catalog stand-in
    for name, deployment in deployments.items():
        assert deployment["status"].get("readyReplicas", 0) == deployment["spec"]["replicas"] > 0, (
            name
        )

    # No metrics-server: the HPAs cannot scale, and hold the web services at
    # their minimum (what a first install starts).
    def at_minimum() -> list[dict[str, Any]]:
        hpas = cluster.objects("hpa")
        return (
            hpas
            if all(
                h.get("status", {}).get("currentReplicas") == h["spec"]["minReplicas"]
                and h["status"].get("conditions")
                for h in hpas
            )
            else []
        )

    # The HPA controller looks every 15 s, and its first look may predate the
    # pods: its status settles within a few passes.
    for hpa in eventually(at_minimum, timeout=120, every=2, message="an HPA is not at its minimum"):
        name = hpa["metadata"]["name"]
        active = {c["type"]: c for c in hpa["status"]["conditions"]}["ScalingActive"]
        assert (active["status"], active["reason"]) == ("False", "FailedGetResourceMetric"), name


def test_the_flow_runs_through_the_node_ports(cluster: Cluster) -> None:
    a_read_reaches_the_history(cluster)


def pods_of(cluster: Cluster, component: str) -> list[dict[str, Any]]:
    return [
        pod
        for pod in cluster.objects("pods")
        if pod["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]


def all_ready(cluster: Cluster, component: str, *, not_named: set[str]) -> bool:
    pods = [p for p in pods_of(cluster, component) if not p["metadata"].get("deletionTimestamp")]
    return bool(pods) and all(
        p["metadata"]["name"] not in not_named
        and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p["status"].get("conditions", [])
        )
        for p in pods
    )


def stored_figures(cluster: Cluster, sent: dict[str, list[str]]) -> str:
    stored = [e for user_id in sent for e in history_event_ids(cluster, user_id)]
    duplicated = sum(n - 1 for n in Counter(stored).values() if n > 1)
    return f"sent {sum(map(len, sent.values()))}, stored {len(stored)}, duplicated {duplicated}"


def test_a_consumer_and_a_relay_force_deleted_mid_burst_lose_nothing(
    cluster: Cluster, request: pytest.FixtureRequest
) -> None:
    accounts = [register_and_login(cluster) for _ in range(4)]
    game_ids = any_game_ids(cluster, 20)

    def delivered() -> int:
        return sum(len(history_event_ids(cluster, a.user_id)) for a in accounts)

    victims = {"users-consumer", "games-relay"}
    with ThreadPoolExecutor(max_workers=1) as burst:
        first = burst.submit(record_reads, cluster, accounts, game_ids, 200)
        eventually(lambda: delivered() >= 20, timeout=120, every=0.2, message="no read flowed")
        deleted = {p["metadata"]["name"] for c in victims for p in pods_of(cluster, c)}
        cluster.kubectl(
            "delete", "pod", *sorted(deleted), "--grace-period=0", "--force", "--wait=false"
        )
        delivered_at_kill = delivered()
        sent = first.result()
    # More of the burst while they are gone or starting.
    for user_id, event_ids in record_reads(cluster, accounts, game_ids, 100).items():
        sent[user_id].extend(event_ids)
    eventually(
        lambda: all(all_ready(cluster, c, not_named=deleted) for c in victims),
        timeout=180,
        every=1,
        message="the Deployments did not replace the deleted pods",
    )
    assert_burst_delivered(cluster, accounts, sent, timeout=180)
    leased = outboxes_sent(cluster)  # then the copies a killed relay left arrived
    assert_burst_delivered(cluster, accounts, sent, timeout=60)
    applied_exactly_once(cluster, sent)
    report(
        request,
        f"force-deleted {', '.join(sorted(deleted))} mid-burst: {stored_figures(cluster, sent)}, "
        f"5xx 0 (every read answered 202); in the history when deleted: {delivered_at_kill}; "
        f"outbox rows left leased: {leased}",
    )


@dataclass
class LoadClient:
    """Reads the catalog and records reads in a loop, on one thread per
    account, counting every answer and every failed connection. Each request
    opens its own connection, as new clients do: what a rolling update must
    never do is refuse one."""

    cluster: Cluster
    accounts: list[Account]
    game_ids: list[int]
    sent: dict[str, list[str]] = field(default_factory=dict)
    answers: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def loop(self, account: Account) -> None:
        n = 0
        while not self.stop.is_set():
            game_id = self.game_ids[n % len(self.game_ids)]
            n += 1
            try:
                read = requests.get(f"{self.cluster.games_url}/games/{game_id}/", timeout=30)
                self.answers[f"GET {read.status_code}"] += 1
                self.note(read)
                recorded = requests.post(
                    f"{self.cluster.games_url}/games/",
                    json={"game_id": game_id},
                    headers=account.auth,
                    timeout=30,
                )
                self.answers[f"POST {recorded.status_code}"] += 1
                self.note(recorded)
                if recorded.status_code == 202:
                    self.sent[account.user_id].append(recorded.json()["event_id"])
                # A client, not a benchmark: the node's two cores are for the rollout.
                time.sleep(0.05)
            except requests.RequestException as error:
                self.failures.append(f"{type(error).__name__}: {error}")

    def note(self, response: requests.Response) -> None:
        if response.status_code >= 500:
            self.server_errors.append(f"{response.request.method} {response.url}: {response.text}")

    def __enter__(self) -> LoadClient:
        self.sent = {a.user_id: [] for a in self.accounts}
        self.threads = [
            threading.Thread(target=self.loop, args=(a,), daemon=True) for a in self.accounts
        ]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def summary(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(self.answers.items()))


def test_a_rolling_upgrade_under_load_refuses_nothing_and_loses_nothing(
    cluster: Cluster, request: pytest.FixtureRequest
) -> None:
    accounts = [register_and_login(cluster) for _ in range(3)]
    game_ids = any_game_ids(cluster, 10)
    before = {p["metadata"]["name"] for p in cluster.objects("pods")}
    with LoadClient(cluster, accounts, game_ids) as client:
        time.sleep(3)
        seconds = cluster.upgrade(
            "--set-string", f"podAnnotations.users-games/rolled={uuid.uuid4().hex}"
        )
        time.sleep(3)
    fivexx = sum(n for answer, n in client.answers.items() if answer.split()[1].startswith("5"))
    report(
        request,
        f"helm upgrade (pod annotation) under load, {seconds} s: {client.summary()}; "
        f"failed connections {len(client.failures)}; 5xx {fivexx}",
    )
    serving = {
        p["metadata"]["name"]
        for c in ("users-web", "games-web")
        for p in pods_of(cluster, c)
        if not p["metadata"].get("deletionTimestamp")
    }
    assert serving and not serving & before, "the upgrade did not replace every web pod"
    # The HPA's count survives the upgrade (a chart that left it out would
    # have helm remove it, and each web Deployment drop to one pod).
    web = {d["metadata"]["name"]: d["spec"]["replicas"] for d in cluster.objects("deployments")}
    for hpa in cluster.objects("hpa"):
        target = hpa["spec"]["scaleTargetRef"]["name"]
        assert web[target] == hpa["spec"]["minReplicas"] > 1, target
    assert not client.failures, client.failures[:5]
    assert not client.server_errors, client.server_errors[:5]
    assert set(client.answers) <= {"GET 200", "POST 202"}, client.summary()
    assert_burst_delivered(cluster, accounts, client.sent, timeout=180)
    applied_exactly_once(cluster, client.sent)
    report(request, f"reads recorded during the upgrade: {stored_figures(cluster, client.sent)}")


def test_an_upgrade_to_a_new_image_runs_the_migrations_before_the_new_pods(
    cluster: Cluster, request: pytest.FixtureRequest
) -> None:
    tag = f"upgrade-{uuid.uuid4().hex[:8]}"
    # The same image under a new tag, as a new release would be pushed.
    run(
        [
            "ctr",
            "--address",
            CONTAINERD,
            "-n",
            "k8s.io",
            "images",
            "tag",
            "docker.io/library/games-users:dev",
            f"docker.io/library/games-users:{tag}",
        ],
        timeout=60,
    )
    started = time.time()
    seconds = cluster.upgrade("--set-string", f"image.tag={tag}")
    events = [
        e
        for e in cluster.objects("events")
        if timestamp(e.get("lastTimestamp") or e["eventTime"]) >= int(started)
    ]
    completed = {
        e["involvedObject"]["name"].removeprefix(f"{RELEASE}-"): timestamp(
            e["lastTimestamp"] or e["eventTime"]
        )
        for e in events
        if e["involvedObject"]["kind"] == "Job" and e["reason"] == "Completed"
    }
    assert {"migrate-users", "migrate-games", "create-topics"} <= set(completed), events
    hook_images = {
        e["involvedObject"]["name"].rsplit("-", 1)[0]
        for e in events
        if e["involvedObject"]["kind"] == "Pod"
        and e["reason"] == "Pulled"
        and f":{tag}" in e["message"]
    }
    assert {f"{RELEASE}-migrate-users", f"{RELEASE}-migrate-games"} <= hook_images, hook_images
    new_pods = [
        p
        for p in cluster.objects("pods")
        if p["spec"]["containers"][0]["image"].endswith(f":{tag}")
        and not p["metadata"].get("deletionTimestamp")
    ]
    assert len(new_pods) >= 10
    first_new_pod = min(timestamp(p["metadata"]["creationTimestamp"]) for p in new_pods)
    assert max(completed.values()) <= first_new_pod
    report(
        request,
        f"helm upgrade (image tag {tag}), {seconds} s: hook Jobs completed "
        + ", ".join(f"{name} at +{t - int(started):.0f} s" for name, t in sorted(completed.items()))
        + f"; first new pod created at +{first_new_pod - int(started):.0f} s",
    )
