"""The outside tools some checks run (promtool, helm, Chromium, node
validators): the project's scripts fetch or build each one once and print
where it is; a check then runs it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from scripts.system import ROOT


def project_tool(script: str, command: str, *, timeout: float) -> list[str]:
    """What ``scripts/<script> <command>`` prints last (a path, or several on
    one line each), after it installed what was missing."""
    done = subprocess.run(
        [str(ROOT / "scripts" / script), command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def run_node(program: Path, *args: str, stdin: str, timeout: float = 120) -> Any:
    """The JSON a node ``program`` writes for ``stdin``."""
    done = subprocess.run(
        ["node", str(program), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
