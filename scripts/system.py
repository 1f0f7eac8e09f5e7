"""The whole system as real, separate processes, for the end-to-end tests
and ``make bench``.

The processes are the Procfile's own lines (what ``make run`` starts), each
run with ``bash -c`` and an environment that keeps this copy apart from a
running ``make run``: other ports, fresh databases, a Kafka topic and group
prefix, its own Redis key prefixes and Celery queue.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import requests

from scripts.poll import eventually

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URLS = {
    "users": "postgres://users:users@127.0.0.1:5432/users",
    "games": "postgres://games:games@127.0.0.1:5432/games",
}


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile() -> dict[str, str]:
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def system_processes() -> list[str]:
    """Every process of the system, as the Procfile lists them (without the
    supervisor-only announcer)."""
    return [name for name in procfile() if name != "ready"]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path


@dataclass
class System:
    workdir: Path
    kafka_bootstrap: str | None = None
    replication_factor: int = 1
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    processes: dict[str, Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.users_port, self.games_port, self.stub_port = free_port(), free_port(), free_port()
        self.users_url = f"http://127.0.0.1:{self.users_port}"
        self.games_url = f"http://127.0.0.1:{self.games_port}"
        self.stub_url = f"http://127.0.0.1:{self.stub_port}"
        self.prefix = f"e2e-{self.suffix}."
        self.databases = {
            project: _with_database(
                os.environ.get(f"{project.upper()}_DATABASE_URL", DEFAULT_URLS[project]),
                f"e2e_{project}_{self.suffix}",
            )
            for project in ("users", "games")
        }
        self.env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "PYTHONUNBUFFERED": "1",
            "USERS_DJANGO_SETTINGS_MODULE": "users_project.settings.local",
            "GAMES_DJANGO_SETTINGS_MODULE": "games_project.settings.local",
            "DJANGO_DEBUG": "false",
            "USERS_DATABASE_URL": self.databases["users"],
            "GAMES_DATABASE_URL": self.databases["games"],
            "USERS_PORT": str(self.users_port),
            "GAMES_PORT": str(self.games_port),
            "CATALOG_STUB_PORT": str(self.stub_port),
            "GAMES_API_BASE_URL": f"{self.stub_url}/api",
            "GAMES_API_RATE_PER_SECOND": "50",
            "USERS_JWKS_URL": f"{self.users_url}/.well-known/jwks.json",
            "USERS_URL": self.users_url,
            "GAMES_URL": self.games_url,
            "KAFKA_TOPIC_PREFIX": self.prefix,
            "USERS_CACHE_KEY_PREFIX": f"e2e-{self.suffix}-users",
            "GAMES_CACHE_KEY_PREFIX": f"e2e-{self.suffix}-games",
            "GAMES_CELERY_QUEUE": f"games-e2e-{self.suffix}",
            "CELERY_BEAT_SCHEDULE_FILE": str(self.workdir / "celerybeat-schedule"),
            "USERS_CELERY_QUEUE": f"users-e2e-{self.suffix}",
            "USERS_CELERY_BEAT_SCHEDULE_FILE": str(self.workdir / "users-celerybeat-schedule"),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "WEB_CONCURRENCY": "2",
            # Bursts come from one address; the throttles have their own tests.
            "LOGIN_RATE_PER_ADDRESS": "100000/min",
            "REGISTRATION_RATE_PER_ADDRESS": "100000/min",
            "READ_RECORD_RATE_PER_USER": "100000/min",
            "CATALOG_MISS_RATE_PER_ADDRESS": "100000/min",
            # Short enough to see the breaker close within a test.
            "GAMES_API_BREAKER_THRESHOLD": "3",
            "GAMES_API_BREAKER_RESET_SECONDS": "2",
        }
        for variable in ("PROMETHEUS_MULTIPROC_DIR", "DJANGO_SETTINGS_MODULE"):
            self.env.pop(variable, None)
        if self.kafka_bootstrap:
            self.env["KAFKA_BOOTSTRAP_SERVERS"] = self.kafka_bootstrap
        self.env["KAFKA_REPLICATION_FACTOR"] = str(self.replication_factor)

    # -- set-up ---------------------------------------------------------------
    def _each_database(self, statement: str) -> None:
        """Run ``statement`` (with ``{name}``) for each project's database,
        connected as that project's role to its everyday database."""
        for project, url in self.databases.items():
            admin = psycopg2.connect(_with_database(url, project))
            admin.autocommit = True
            try:
                with admin.cursor() as cursor:
                    cursor.execute(statement.format(name=urlsplit(url).path[1:]))
            finally:
                admin.close()

    def create_databases(self) -> None:
        self._each_database('CREATE DATABASE "{name}"')

    def drop_databases(self) -> None:
        # WITH (FORCE) ends the other sessions, but the database's owner (not
        # a superuser) may not end an autovacuum worker: PostgreSQL refuses
        # with InsufficientPrivilege. One that started after a burst is done
        # in seconds, so try again (IF EXISTS: a dropped one stays dropped).
        deadline = time.monotonic() + 60
        while True:
            try:
                self._each_database('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except psycopg2.errors.InsufficientPrivilege:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def delete_topics(self) -> None:
        """Remove this copy's topics (those with its prefix) from the broker."""
        from kafka import KafkaAdminClient

        bootstrap = self.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="e2e-cleanup")
        try:
            ours = [topic for topic in admin.list_topics() if topic.startswith(self.prefix)]
            if ours:
                admin.delete_topics(ours, raise_errors=False)
        finally:
            admin.close()

    def manage(self, project: str, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / f"manage_{project}.py"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"manage_{project}.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def prepare(self) -> None:
        self.create_databases()
        self.manage("users", "migrate", "--noinput")
        self.manage("games", "migrate", "--noinput")
        self.manage("users", "create_topics")

    # -- processes --------------------------------------------------------------
    def start(self, name: str, *, instance: int = 1, **extra_env: str) -> Process:
        key = f"{name}.{instance}"
        command = procfile()[name]
        env = {
            **self.env,
            # Every worker serves metrics on a port of its own.
            "USERS_CONSUMER_METRICS_PORT": str(free_port()),
            "GAMES_CONSUMER_METRICS_PORT": str(free_port()),
            "USERS_RELAY_METRICS_PORT": str(free_port()),
            "GAMES_RELAY_METRICS_PORT": str(free_port()),
            **extra_env,
        }
        if name.endswith("-web"):
            metrics = self.workdir / "metrics" / key
            metrics.mkdir(parents=True, exist_ok=True)
            command = command.replace(
                f"PROMETHEUS_MULTIPROC_DIR=.local/metrics/{name.split('-')[0]}",
                f"PROMETHEUS_MULTIPROC_DIR={metrics}",
            )
        log_path = self.workdir / f"{key}.log"
        handle = log_path.open("a")
        popen = subprocess.Popen(
            ["bash", "-c", command],  # noqa: S607  bash from PATH, as `make run` does
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[key] = Process(key, popen, log_path)
        return self.processes[key]

    def signal(self, key: str, sig: signal.Signals) -> None:
        process = self.processes[key]
        os.killpg(process.popen.pid, sig)
        process.popen.wait(timeout=60)

    def running(self, key: str) -> bool:
        return self.processes[key].popen.poll() is None

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=10)

    def wait_ready(self, timeout: float = 120) -> None:
        def ready(url: str) -> bool:
            try:
                return requests.get(f"{url}/readyz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        for url in (self.users_url, self.games_url):
            try:
                eventually(lambda u=url: ready(u), timeout=timeout, message=f"{url} not ready")
            except AssertionError as exc:
                raise RuntimeError(f"{exc}; logs in {self.workdir}\n{self.tail_logs()}") from None

    def logs(self) -> str:
        return "\n".join(
            p.log_path.read_text() for p in self.processes.values() if p.log_path.exists()
        )

    def tail_logs(self, lines: int = 15) -> str:
        out = []
        for process in self.processes.values():
            if process.log_path.exists():
                tail = process.log_path.read_text().splitlines()[-lines:]
                out.append(f"--- {process.name}\n" + "\n".join(tail))
        return "\n".join(out)

    # -- looking into the stores --------------------------------------------------
    def query(self, project: str, sql: str, params: tuple = ()) -> list[tuple]:
        connection = psycopg2.connect(self.databases[project])
        try:
            with connection, connection.cursor() as cursor:  # committed: writes too
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()
