"""docker-compose.yml and the Procfile describe the same system (checked here,
without an engine; tests/deploy/test_compose.py builds and runs it)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.system import ROOT, procfile
from tests.support.processes import without_this_runs_settings_module

INFRASTRUCTURE = {"postgres", "redis", "kafka", "migrate"}
SUPERVISOR_ONLY = {"ready"}  # prints the URLs under honcho; compose has health checks


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_processes() -> dict[str, dict]:
    """The compose services that run the system's own processes: not the
    backing services, and not what runs only under a profile (monitoring)."""
    return {
        name: spec
        for name, spec in compose()["services"].items()
        if name not in INFRASTRUCTURE and not spec.get("profiles")
    }


def essential(argv: list[str]) -> tuple[str, ...]:
    """The part that names what runs: the program and what it is told to run."""
    argv = [arg for arg in argv if arg not in {"exec", "python"}]
    if argv[0] == "-m":  # a module of the repository, e.g. scripts.catalog_stub
        return tuple(argv[:2])
    if argv[0].startswith("manage_"):
        return tuple(argv[:3]) if argv[1] == "run_consumer" else tuple(argv[:2])
    if argv[0] == "gunicorn":
        return tuple(argv[:2])
    if argv[0] == "celery":
        return tuple(argv[:4])
    return tuple(argv)


def procfile_argv(command: str) -> list[str]:
    words = shlex.split(command)
    while words and re.match(r"^[A-Z_]+=", words[0]):  # leading VAR=value assignments
        words.pop(0)
    return words


def test_compose_and_procfile_run_the_same_processes() -> None:
    apps = compose_processes()
    processes = {k: v for k, v in procfile().items() if k not in SUPERVISOR_ONLY}
    assert set(apps) == set(processes)
    for name, spec in apps.items():
        assert essential(spec["command"]) == essential(procfile_argv(processes[name])), name


def test_every_service_has_a_health_check_or_waits_for_one() -> None:
    services = compose()["services"]
    for name, spec in services.items():
        assert "healthcheck" in spec or "depends_on" in spec, name
    for name in INFRASTRUCTURE - {"migrate"}:
        assert "healthcheck" in services[name]
    assert services["migrate"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["users-consumer"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


@pytest.mark.parametrize(
    "name",
    ["users-consumer", "games-consumer", "users-relay", "games-relay", "catalog-stub", "migrate"],
)
def test_every_management_command_in_compose_exists(name: str) -> None:
    spec = compose()["services"][name]
    commands = spec["command"]
    if commands[0] == "sh":
        commands = shlex.split(commands[2].split("&&")[0])
    script, command = commands[1], commands[2]
    # A module (the catalog stand-in) says it exists by its --help.
    argv = ["-m", command, "--help"] if script == "-m" else [str(ROOT / script), "help", command]
    done = subprocess.run(
        [sys.executable, *argv],
        env=without_this_runs_settings_module(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "module",
    ["users_project.wsgi", "games_project.wsgi", "games_project.celery", "users_project.celery"],
)
def test_the_wsgi_and_celery_modules_named_in_compose_exist(module: str) -> None:
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file()


def test_the_image_runs_as_a_non_root_user_in_two_stages() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2
    assert "\nUSER app" in dockerfile
    assert Path(ROOT / ".dockerignore").read_text().count(".venv")


def test_the_image_runs_the_production_settings_and_compose_the_local_ones() -> None:
    """A checkout's entry points default to local settings (common/env.py);
    the image says production for both services, compose says local."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    for project in ("users", "games"):
        variable = f"{project.upper()}_DJANGO_SETTINGS_MODULE"
        assert f"{variable}={project}_project.settings.production" in dockerfile
        assert f"{variable}: {project}_project.settings.local" in compose
