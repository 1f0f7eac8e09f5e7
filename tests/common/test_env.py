"""One way to configure: the environment, completed by ``.env``."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import common.env
from common.env import use_project_settings

ROOT = Path(__file__).resolve().parents[2]
# Variables that make `make services` skip starting a part locally.
POINT_ELSEWHERE = (
    "USERS_DATABASE_URL",
    "GAMES_DATABASE_URL",
    "REDIS_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
)


PRINT_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE)"


def _environment(env_file: Path, **extra: str) -> dict[str, str]:
    """This process's environment without what the files could set."""
    names = set(POINT_ELSEWHERE) | {"LOG_LEVEL", "DJANGO_DEBUG", "USERS_DJANGO_SETTINGS_MODULE"}
    base = {k: v for k, v in os.environ.items() if k not in names and k != "DJANGO_SETTINGS_MODULE"}
    return {**base, "PROJECT_ENV_FILE": str(env_file), **extra}


def _exports(env_file: Path, **extra: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "common.env"],
        cwd=ROOT,
        env=_environment(env_file, **extra),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def test_env_example_copied_as_is_keeps_every_backing_service_local() -> None:
    exports = _exports(ROOT / ".env.example")
    assert "export DJANGO_DEBUG=true" in exports.splitlines()
    for name in POINT_ELSEWHERE:
        assert f"export {name}=" not in exports


def test_a_variable_set_in_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=DEBUG\nDJANGO_DEBUG=true\n")
    exports = _exports(env_file, LOG_LEVEL="WARNING").splitlines()
    assert exports == ["export DJANGO_DEBUG=true"]


def test_exports_are_quoted_for_the_shell(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL='INFO; touch pwned'\n")
    exports = _exports(env_file)
    done = subprocess.run(
        ["bash", "-c", f'{exports}\nprintf %s "$LOG_LEVEL"'],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert done.stdout == "INFO; touch pwned"
    assert not (tmp_path / "pwned").exists()


def test_manage_script_reads_the_settings_module_from_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("USERS_DJANGO_SETTINGS_MODULE=users_project.settings.test\n")
    done = subprocess.run(
        [
            sys.executable,
            "manage_users.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SETTINGS_MODULE)",
        ],
        cwd=ROOT,
        env=_environment(env_file),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "users_project.settings.test"


def test_services_script_skips_a_part_that_dotenv_points_elsewhere(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("REDIS_URL=redis://127.0.0.1:1/0\n")
    done = subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "start", "redis"],
        cwd=ROOT,
        env=_environment(env_file, PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "REDIS_URL is set, not starting one" in done.stderr


def _games_settings_chosen(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """``use_project_settings("games_project")`` in a fresh process."""
    env = {
        k: v
        for k, v in _environment(tmp_path / "none.env").items()
        if k != "GAMES_DJANGO_SETTINGS_MODULE"
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from common.env import use_project_settings as use; print(use('games_project'))",
        ],
        cwd=ROOT,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_django_settings_module_first_then_the_projects_own_then_local(tmp_path: Path) -> None:
    own = "games_project.settings.production"
    cases = [
        ({}, "games_project.settings.local"),
        ({"GAMES_DJANGO_SETTINGS_MODULE": own}, own),
        (
            {
                "GAMES_DJANGO_SETTINGS_MODULE": own,
                "DJANGO_SETTINGS_MODULE": "games_project.settings.test",
            },
            "games_project.settings.test",
        ),
    ]
    for variables, chosen in cases:
        done = _games_settings_chosen(tmp_path, **variables)
        assert (done.returncode, done.stdout.strip()) == (0, chosen), done.stderr


def test_the_other_projects_settings_module_is_refused(tmp_path: Path) -> None:
    done = _games_settings_chosen(tmp_path, DJANGO_SETTINGS_MODULE="users_project.settings.test")
    assert done.returncode != 0
    assert (
        "DJANGO_SETTINGS_MODULE=users_project.settings.test is not games_project's" in done.stderr
    )


def test_a_process_with_its_settings_loaded_may_import_the_other_project() -> None:
    """This run's settings are one project's; the other's package (its
    Celery app chooses settings on import) loads without changing them."""
    chosen = os.environ["DJANGO_SETTINGS_MODULE"]
    for project in ("users_project", "games_project"):
        assert use_project_settings(project) == chosen
    assert os.environ["DJANGO_SETTINGS_MODULE"] == chosen


ENTRY_POINTS = {
    "manage_users.py": [sys.executable, "manage_users.py", "shell", "-c", PRINT_SETTINGS],
    "manage_games.py": [sys.executable, "manage_games.py", "shell", "-c", PRINT_SETTINGS],
    **{
        module: [sys.executable, "-c", f"import {module}; {PRINT_SETTINGS}"]
        for module in (
            "users_project.wsgi",
            "games_project.wsgi",
            "users_project.celery",
            "games_project.celery",
        )
    },
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_every_entry_point_follows_the_one_rule(entry_point: str, tmp_path: Path) -> None:
    """Local when nothing is set; DJANGO_SETTINGS_MODULE over the project's own."""
    project = "users_project" if "users" in entry_point else "games_project"
    own = f"{project.split('_')[0].upper()}_DJANGO_SETTINGS_MODULE"
    env = {k: v for k, v in _environment(tmp_path / "none.env").items() if k != own}
    chosen = []
    for extra in (
        {},
        {
            own: f"{project}.settings.production",
            "DJANGO_SETTINGS_MODULE": f"{project}.settings.test",
        },
    ):
        done = subprocess.run(
            ENTRY_POINTS[entry_point],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        chosen.append(done.stdout.strip().splitlines()[-1])
    assert chosen == [f"{project}.settings.local", f"{project}.settings.test"]


def test_threads_making_one_secret_at_once_agree_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a first request's threads do in a fresh checkout (the JWT signing key)."""
    monkeypatch.setattr(common.env, "LOCAL_DIR", tmp_path)
    together = threading.Barrier(8)
    got: list[str] = []
    failed: list[BaseException] = []

    def make() -> str:
        together.wait(timeout=5)
        return secrets.token_urlsafe()

    def read() -> None:
        try:
            got.append(common.env.development_secret("key", make=make))
        except Exception as exc:  # noqa: BLE001  (reported below)
            failed.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not failed, failed
    assert len(got) == 8 and set(got) == {(tmp_path / "secrets" / "key").read_text()}
    assert [p.name for p in (tmp_path / "secrets").iterdir()] == ["key"]
    assert (tmp_path / "secrets" / "key").stat().st_mode & 0o777 == 0o600
