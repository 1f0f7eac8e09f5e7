"""`docker compose up --build` runs the whole system for real.

Every image is built from the repository on the base scripts/docker.sh makes
(nothing is pulled), every process of the Procfile runs in its own container
beside PostgreSQL, Redis and Kafka containers, and the demo flow is walked on
127.0.0.1 as a user would. A consumer and a relay killed with SIGKILL mid-burst
come back by their restart policy, and nothing is lost or duplicated. The
compose project has a name of its own and is removed with its volumes after.

Skipped, saying why, only where no Docker engine can run (not root, not Linux).
The build, start-up times and image sizes are printed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest
import redis
import requests
import yaml

from scripts.poll import eventually
from scripts.system import ROOT
from tests.deploy.support import LocalPorts, port_taken, run
from tests.deploy.support import report as shared_report
from tests.e2e.flows import (
    a_read_reaches_the_history,
    any_game_ids,
    applied_exactly_once,
    assert_burst_delivered,
    history_event_ids,
    outboxes_sent,
    record_reads,
    register_and_login,
)

SCRIPT = ROOT / "scripts" / "docker.sh"
PROJECT = "games-users-deploy-test"
LOG = ROOT / ".local" / "docker" / "compose-test.log"


def default_services() -> dict[str, Any]:
    """What `up` starts: the services of no profile (opt-in extras have one)."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: spec for name, spec in services.items() if not spec.get("profiles")}


SERVICES = set(default_services())
ONE_SHOT = {"migrate"}
# The first run on a fresh machine installs Docker, makes the base image and
# builds every image (minutes; docs/docker.md); later runs reuse them.
pytestmark = pytest.mark.timeout(2400)
IMAGES = ["debian:bookworm-slim", "games-users:dev"] + [
    f"games-users-{name}:dev" for name in ("postgres", "redis", "kafka")
]


@dataclass
class ComposedSystem(LocalPorts):
    figures: dict[str, Any] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "USERS_PORT": str(self.users_port),
            "GAMES_PORT": str(self.games_port),
            # The kill test's burst: 300 reads by 4 users from one address.
            "LOGIN_RATE_PER_ADDRESS": "100000/min",
            "REGISTRATION_RATE_PER_ADDRESS": "100000/min",
            "READ_RECORD_RATE_PER_USER": "100000/min",
            "CATALOG_MISS_RATE_PER_ADDRESS": "100000/min",
        }
        env.pop("GAMES_API_BASE_URL", None)  # the stand-in container, never the internet
        return env

    def compose(self, *args: str, timeout: float = 600) -> str:
        return run([str(SCRIPT), "compose", "-p", PROJECT, *args], timeout=timeout, env=self.env())

    def containers(self) -> dict[str, dict[str, Any]]:
        """`docker inspect` of this project's containers, by service name."""
        ids = run(
            ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}"],
            timeout=60,
        ).split()
        if not ids:
            return {}
        inspected = json.loads(run(["docker", "inspect", *ids], timeout=60))
        return {c["Config"]["Labels"]["com.docker.compose.service"]: c for c in inspected}

    def query(self, project: str, sql: str, params: tuple = ()) -> list[tuple]:
        # The PostgreSQL container on the project's own network (not published
        # on the host, whose own PostgreSQL has 5432).
        networks = self.containers()["postgres"]["NetworkSettings"]["Networks"]
        address = next(iter(networks.values()))["IPAddress"]
        connection = psycopg2.connect(
            host=address, port=5432, user=project, password=project, dbname=project
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()


def all_healthy(system: ComposedSystem) -> bool:
    containers = system.containers()
    migrate = containers.get("migrate", {}).get("State", {})
    if migrate.get("Status") == "exited" and migrate.get("ExitCode") != 0:
        pytest.fail(f"migrate exited {migrate['ExitCode']}; see {LOG}")
    if set(containers) != SERVICES:
        return False
    for name, container in containers.items():
        state = container["State"]
        if name in ONE_SHOT:
            if state["Status"] != "exited":
                return False
        elif state["Status"] != "running" or state.get("Health", {}).get("Status") not in (
            None,
            "healthy",
        ):
            return False
    return True


def states(system: ComposedSystem) -> str:
    return ", ".join(
        f"{name}: {c['State']['Status']}/{c['State'].get('Health', {}).get('Status', '-')}"
        for name, c in sorted(system.containers().items())
    )


def report(request: pytest.FixtureRequest, text: str) -> None:
    shared_report(request, text, tag="compose")


@pytest.fixture(scope="module")
def composed(request: pytest.FixtureRequest) -> Iterator[ComposedSystem]:
    why = subprocess.run(
        [str(SCRIPT), "why-not"], capture_output=True, text=True, timeout=60, check=False
    )
    if why.returncode == 3:
        pytest.skip(f"no Docker engine can run here: {why.stdout.strip()}")
    started = time.monotonic()
    ensured = subprocess.run(
        [str(SCRIPT), "ensure"], capture_output=True, text=True, timeout=1800, check=False
    )
    if ensured.returncode == 3:
        pytest.skip(ensured.stderr.strip().splitlines()[-1])
    assert ensured.returncode == 0, ensured.stderr[-3000:]
    system = ComposedSystem(
        users_port=int(os.environ.get("USERS_PORT", "8001")),
        games_port=int(os.environ.get("GAMES_PORT", "8002")),
    )
    system.figures["engine and base image"] = round(time.monotonic() - started, 1)
    # What an interrupted earlier run left behind, then the ports we publish.
    system.compose("down", "-v", "--remove-orphans")
    for port in (system.users_port, system.games_port):
        if port_taken(port):
            pytest.fail(
                f"127.0.0.1:{port} is taken (a `make run`?): the composed system publishes "
                "its web services there. Stop it, or set USERS_PORT/GAMES_PORT to free ports."
            )
    try:
        started = time.monotonic()
        LOG.parent.mkdir(parents=True, exist_ok=True)
        LOG.write_text(system.compose("build", timeout=3600))
        system.figures["build"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        system.compose("up", "-d")
        eventually(
            lambda: all_healthy(system),
            timeout=600,
            every=2,
            message=f"not every container became healthy ({states(system)})",
        )
        system.figures["start-up to all healthy"] = round(time.monotonic() - started, 1)
        sizes = {
            image: json.loads(run(["docker", "image", "inspect", image], timeout=60))[0]["Size"]
            for image in IMAGES
        }
        report(
            request,
            "seconds: "
            + ", ".join(f"{k} {v}" for k, v in system.figures.items())
            + "; image sizes MB: "
            + ", ".join(f"{k} {v / 1e6:.0f}" for k, v in sizes.items()),
        )
        yield system
    finally:
        with LOG.open("a") as log:
            log.write(system.compose("logs", "--no-color", "--tail", "200"))
        system.compose("down", "-v", "--remove-orphans")


def test_the_demo_flow_runs_against_the_composed_system(composed: ComposedSystem) -> None:
    account, game = a_read_reaches_the_history(composed)

    deleted = requests.delete(
        f"{composed.users_url}/users/{account.user_id}/", headers=account.auth, timeout=30
    )
    assert deleted.status_code == 204
    refused_by_users = requests.get(
        f"{composed.users_url}/auth/auth-test/", headers=account.auth, timeout=30
    )
    assert refused_by_users.status_code == 401
    eventually(
        lambda: requests.post(
            f"{composed.games_url}/games/",
            json={"game_id": game["id"]},
            headers=account.auth,
            timeout=30,
        ).status_code
        == 403,
        timeout=60,
        every=0.5,
        message="the games container still takes a deleted user's token",
    )


def sigkill(composed: ComposedSystem, service: str) -> tuple[int, int]:
    """SIGKILL the container's main process from the host, as the kernel's OOM
    killer would (`docker kill` would count as a deliberate stop and disable
    the restart policy). Returns its pid and restart count before."""
    state = composed.containers()[service]
    os.kill(state["State"]["Pid"], signal.SIGKILL)
    return state["State"]["Pid"], state["RestartCount"]


def test_a_consumer_and_a_relay_killed_mid_burst_restart_and_lose_nothing(
    composed: ComposedSystem, request: pytest.FixtureRequest
) -> None:
    if os.geteuid() != 0:
        pytest.skip("SIGKILL of a container's process from the host needs root")
    accounts = [register_and_login(composed) for _ in range(4)]
    game_ids = any_game_ids(composed, 20)

    def delivered() -> int:
        return sum(len(history_event_ids(composed, a.user_id)) for a in accounts)

    with ThreadPoolExecutor(max_workers=1) as burst:
        first = burst.submit(record_reads, composed, accounts, game_ids, 200)
        # Killed once reads flow through both: some delivered, more on the way.
        eventually(lambda: delivered() >= 20, timeout=120, every=0.2, message="no read flowed")
        killed = {name: sigkill(composed, name) for name in ("games-relay", "users-consumer")}
        delivered_at_kill = delivered()
        sent = first.result()
    # More of the burst while they are down or restarting.
    for user_id, event_ids in record_reads(composed, accounts, game_ids, 100).items():
        sent[user_id].extend(event_ids)

    def restarted() -> bool:
        containers = composed.containers()
        return all(
            containers[name]["RestartCount"] > count
            and containers[name]["State"]["Pid"] not in (0, pid)
            and containers[name]["State"].get("Health", {}).get("Status") == "healthy"
            for name, (pid, count) in killed.items()
        )

    eventually(
        restarted,
        timeout=180,
        every=1,
        message=f"the restart policy did not bring them back ({states(composed)})",
    )
    assert_burst_delivered(composed, accounts, sent, timeout=180)
    leased = outboxes_sent(composed)  # then the copies a killed relay left arrived
    assert_burst_delivered(composed, accounts, sent, timeout=60)
    applied_exactly_once(composed, sent)
    report(
        request,
        f"reads in the history when killed: {delivered_at_kill} of 300 posted; "
        f"outbox rows still leased by a killed relay once all were delivered: {leased}",
    )


def test_only_the_web_services_are_published_and_only_on_loopback() -> None:
    published = {
        name: spec["ports"] for name, spec in default_services().items() if "ports" in spec
    }
    assert set(published) == {"users-web", "games-web"}
    for ports in published.values():
        assert all(port.startswith("127.0.0.1:") for port in ports), ports


def test_every_image_is_built_here_on_the_one_debian_base() -> None:
    services = default_services()
    assert all("build" in spec for spec in services.values())
    dockerfiles = {
        ROOT / spec["build"].get("dockerfile", "Dockerfile") for spec in services.values()
    }
    for dockerfile in dockerfiles:
        bases = [
            line.split()[1]
            for line in dockerfile.read_text().splitlines()
            if line.startswith("FROM ")
        ]
        assert bases and set(bases) == {"debian:bookworm-slim"}, dockerfile


def redis_password_of_compose() -> str:
    """REDIS_PASSWORD as compose resolves it when the variable is unset."""
    value = default_services()["redis"]["environment"]["REDIS_PASSWORD"]
    match = re.fullmatch(r"\$\{REDIS_PASSWORD:-([A-Za-z0-9-]+)\}", value)
    assert match, value
    return match.group(1)


def test_redis_requires_the_password_every_service_that_uses_it_carries() -> None:
    password = redis_password_of_compose()
    services = default_services()
    assert services["redis"]["environment"]["REDISCLI_AUTH"] == f"${{REDIS_PASSWORD:-{password}}}"
    users = {
        name: spec["environment"]["REDIS_URL"]
        for name, spec in services.items()
        if "REDIS_URL" in spec.get("environment", {})
    }
    assert set(users) >= {"users-web", "games-web", "celery-worker", "celery-beat"}
    for name, url in users.items():
        parsed = urlsplit(url.replace(f"${{REDIS_PASSWORD:-{password}}}", password))
        assert (parsed.hostname, parsed.password) == ("redis", password), name
    dockerfile = (ROOT / "infra" / "docker" / "redis.Dockerfile").read_text()
    assert "requirepass" in dockerfile
    assert "REDIS_PASSWORD:?" in dockerfile  # no password, no Redis
    assert "protected-mode" not in dockerfile


def test_redis_refuses_a_client_without_the_password(composed: ComposedSystem) -> None:
    """Whoever reaches the Redis container cannot write a cache entry (the
    games cache) or a Celery message without the password."""
    networks = composed.containers()["redis"]["NetworkSettings"]["Networks"]
    address = next(iter(networks.values()))["IPAddress"]
    anonymous = redis.Redis(host=address, port=6379, socket_timeout=10)
    with pytest.raises(redis.AuthenticationError):
        anonymous.set("games:detail:1", b"planted")
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    password = os.environ.get("REDIS_PASSWORD") or redis_password_of_compose()
    trusted = redis.Redis(host=address, port=6379, password=password, socket_timeout=10)
    assert trusted.ping() is True
