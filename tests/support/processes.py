"""Run the project's management commands as real child processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def project_of_current_settings() -> str:
    return "users" if settings.ROOT_URLCONF.startswith("users_project") else "games"


def database_url_of_this_run() -> str:
    """The URL of the database this pytest run uses (test_<name>)."""
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def spawn_manage(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """Start ``manage_<project>.py ARGS`` against this run's test database."""
    project = project_of_current_settings()
    child_env = {
        **os.environ,
        f"{project.upper()}_DJANGO_SETTINGS_MODULE": f"{project}_project.settings.test",
        f"{project.upper()}_DATABASE_URL": database_url_of_this_run(),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, str(ROOT / f"manage_{project}.py"), *args],
        cwd=ROOT,
        env=child_env,
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
