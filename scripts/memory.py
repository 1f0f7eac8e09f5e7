"""Resident memory of a running web service under a burst of logins: what
``tests/e2e/test_login_memory.py`` checks and ``make bench`` (``logins``)
prints. A gunicorn service is its master and its workers: the sum of their
resident memory is what a pod's memory limit counts."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART_VALUES = ROOT / "deploy" / "helm" / "users-games" / "values.yaml"
UNITS = {"Ki": 1, "Mi": 1024, "Gi": 1024 * 1024}


def chart_web_pod(name: str) -> tuple[dict[str, str], int]:
    """The chart's environment for process ``name`` and its memory limit (KiB)."""
    process = yaml.safe_load(CHART_VALUES.read_text())["processes"][name]
    limit = str(process["resources"]["limits"]["memory"])
    return {k: str(v) for k, v in process.get("env", {}).items()}, int(limit[:-2]) * UNITS[
        limit[-2:]
    ]


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0  # exited while we read
    return next((int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:"), 0)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def resident_kib(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (a gunicorn master
    and its workers), in KiB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += _rss_kib(current)
        pending += _children(current)
    return total


@dataclass
class Peak:
    kib: int = 0


@contextmanager
def peak_resident(pid: int, every: float = 0.005) -> Iterator[Peak]:
    """The highest ``resident_kib(pid)`` seen while the block runs, sampled
    every few milliseconds in a thread (an Argon2 hash lasts tens of them)."""
    peak, done = Peak(resident_kib(pid)), threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.kib = max(peak.kib, resident_kib(pid))
            done.wait(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
        peak.kib = max(peak.kib, resident_kib(pid))


def login_burst(users_url: str, clients: int, *, hashing: bool = True) -> list[requests.Response]:
    """``clients`` logins at once, each with an email no account has (every
    one costs a full password hash: Django hashes a dummy for unknown emails).
    With ``hashing=False`` the passwords are empty: the same requests,
    refused (400) before any hash, to measure what the rest costs."""
    start = threading.Barrier(clients)

    def attempt(_: int) -> requests.Response:
        email = f"nobody-{uuid.uuid4().hex[:12]}@example.com"
        password = f"wrong-{uuid.uuid4().hex}" if hashing else ""
        start.wait(timeout=60)
        return requests.post(
            f"{users_url}/auth/login/", json={"email": email, "password": password}, timeout=60
        )

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(attempt, range(clients)))


# What a login holds beside Argon2's block array while it hashes: the array's
# mmap is rounded up to pages and carries a header, argon2's context, and the
# 401 path's own objects (the user lookup's row, the throttle's and the log's),
# which the baseline burst, refused 400 before any of that, does not allocate.
# Measured in docs/benchmarks.md ("Memory under logins"); the allowance is a
# few times the worst seen, so the check fails on a second hash, not on noise.
HASH_OVERHEAD_KIB = 1024


def hash_budget_kib(env: dict[str, str]) -> int:
    """The password hashes' share of the worst case, from the settings the
    service runs with: workers x min(threads, hashes per process) x (memory +
    ``HASH_OVERHEAD_KIB``)."""
    from django.conf import settings

    workers, threads = int(env["WEB_CONCURRENCY"]), int(env["WEB_THREADS"])
    at_once = min(threads, settings.PASSWORD_HASH_CONCURRENCY)
    return workers * at_once * (settings.PASSWORD_HASH_MEMORY_KIB + HASH_OVERHEAD_KIB)
