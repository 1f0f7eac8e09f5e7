"""Local runs are repeatable: under `make run`'s settings (its settings
module, and none of the throttle variables the other end-to-end tests raise),
a person can try things by hand and run `make demo` again and again in one
afternoon without a 429. Production and the tests keep the strict limits."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from scripts.system import ROOT, System, system_processes

# The variables scripts/system.py sets so bursts from one address pass.
RAISED_LIMITS = ("LOGIN_RATE_PER_EMAIL", "LOGIN_RATE_PER_ADDRESS", "REGISTRATION_RATE_PER_ADDRESS")
ROUNDS = 3
# Registrations by hand in each round, beside the demo's own: three rounds
# are a dozen, past the strict 10 an hour per address.
BY_HAND = 4


@pytest.fixture(scope="module")
def as_make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The whole system as `make run` starts it: the Procfile's processes
    with scripts/run.sh's settings modules and throttle defaults."""
    system = System(workdir=Path(tmp_path_factory.mktemp("local-runs")))
    for variable in RAISED_LIMITS:
        system.env.pop(variable, None)
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    for project in ("users", "games"):
        module = f"{project}_project.settings.local"
        assert f"{project.upper()}_DJANGO_SETTINGS_MODULE:-{module}" in run_sh
        assert system.env[f"{project.upper()}_DJANGO_SETTINGS_MODULE"] == module
    system.prepare()
    try:
        for name in system_processes():
            system.start(name)
        system.wait_ready()
        yield system
    finally:
        system.stop_all()
        system.drop_databases()
        system.delete_topics()


def try_by_hand(system: System) -> None:
    """What a person does between demos: register, log in, mistype."""
    for _ in range(BY_HAND):
        email, password = f"me-{uuid.uuid4().hex[:8]}@example.com", f"My-Pass-{uuid.uuid4().hex}"
        created = requests.post(
            f"{system.users_url}/users/",
            json={"email": email, "password": password, "name": "Me"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        for attempt, expected in ((password + "x", 401), (password, 200)):
            answer = requests.post(
                f"{system.users_url}/auth/login/",
                json={"email": email, "password": attempt},
                timeout=30,
            )
            assert answer.status_code == expected, answer.text


def make_demo(system: System) -> subprocess.CompletedProcess[str]:
    """`make demo` is `$(PY) scripts/demo.py`, pointed at this system."""
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT,
        env=system.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.timeout(900)
def test_make_demo_runs_three_times_in_a_row_beside_an_afternoon_of_trying_things(
    as_make_run: System,
) -> None:
    for round_ in range(1, ROUNDS + 1):
        done = make_demo(as_make_run)
        assert done.returncode == 0, f"demo run {round_} failed:\n{done.stdout}\n{done.stderr}"
        assert "steps passed in" in done.stdout
        try_by_hand(as_make_run)
