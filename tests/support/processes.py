"""Run the project's management commands as real child processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings

from scripts.system import free_port

ROOT = Path(__file__).resolve().parents[2]


def without_this_runs_settings_module() -> dict[str, str]:
    """This environment without pytest's DJANGO_SETTINGS_MODULE, for a child
    that may be the other project: its entry point would refuse that module
    (``common.env.use_project_settings``) and must choose its own."""
    return {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}


def project_of_current_settings() -> str:
    return "users" if settings.ROOT_URLCONF.startswith("users_project") else "games"


def database_url_of_this_run() -> str:
    """The URL of the database this pytest run uses (test_<name>)."""
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def child_env(project: str, **extra: str) -> dict[str, str]:
    """This environment, with ``project``'s test settings and this run's test
    database, then ``extra``: what a child process of the project needs."""
    return {
        **without_this_runs_settings_module(),
        f"{project.upper()}_DJANGO_SETTINGS_MODULE": f"{project}_project.settings.test",
        f"{project.upper()}_DATABASE_URL": database_url_of_this_run(),
        **extra,
    }


def spawn_manage(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """Start ``manage_<project>.py ARGS`` against this run's test database."""
    project = project_of_current_settings()
    return subprocess.Popen(
        [sys.executable, str(ROOT / f"manage_{project}.py"), *args],
        cwd=ROOT,
        env=child_env(project, PYTHONUNBUFFERED="1", **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def stop(proc: subprocess.Popen, *, timeout: float = 30) -> None:
    """Stop ``proc`` if it still runs (SIGTERM, then SIGKILL after ``timeout``):
    for a ``finally``, so no test leaves a process running."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=timeout)


@contextmanager
def web_service(*, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """This run's project under gunicorn (as deployed) on a loopback port,
    against this run's test database; yields its base URL."""
    project = project_of_current_settings()
    port = port or free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", f"{project}_project.wsgi"),
            *("-c", "infra/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"),
        ],
        cwd=ROOT,
        env=child_env(project, WEB_CONCURRENCY="1", WEB_THREADS="2", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except requests.RequestException:
                if proc.poll() is not None or time.monotonic() > deadline:
                    stop(proc)
                    output = proc.stdout.read() if proc.stdout else ""
                    raise AssertionError(f"gunicorn did not start: {output}") from None
                time.sleep(0.2)
        yield base
    finally:
        stop(proc)


@contextmanager
def celery_worker(**env: str) -> Iterator[str]:
    """A real Celery worker of this run's project (solo pool, as in tests
    nothing else takes its tasks) on a queue of its own, against this run's
    test database; yields the queue's name."""
    project = project_of_current_settings()
    queue = f"{project}-test-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", f"{project}_project", "worker", "-Q", queue),
            *("--pool", "solo", "--concurrency", "1", "--loglevel", "INFO"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        ],
        cwd=ROOT,
        env=child_env(project, **{f"{project.upper()}_CELERY_QUEUE": queue}, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield queue
    finally:
        stop(proc)
