"""What the tests that run the whole system (compose, the cluster) share."""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass

import pytest

from scripts.system import ROOT


def run(argv: list[str], *, timeout: float, env: dict[str, str] | None = None) -> str:
    """The command's output; the test fails with its stderr's end when it fails."""
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, env=env, cwd=ROOT
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, argv[:6]))} exited {done.returncode}:\n{done.stderr[-4000:]}"
        )
    return done.stdout


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def report(request: pytest.FixtureRequest, text: str, *, tag: str) -> None:
    """Printed even under pytest's capture: the figures belong in the output."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    with capture.global_and_fixture_disabled():
        terminal.write_line(f"\n[{tag}] {text}")


@dataclass
class LocalPorts:
    """A deployment reached on 127.0.0.1: the two services' published ports."""

    users_port: int
    games_port: int

    @property
    def users_url(self) -> str:
        return f"http://127.0.0.1:{self.users_port}"

    @property
    def games_url(self) -> str:
        return f"http://127.0.0.1:{self.games_port}"
