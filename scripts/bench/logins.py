"""Memory under a burst of logins (`BENCH_ONLY=logins`).

A users-web started as the chart runs a pod (its WEB_CONCURRENCY,
WEB_THREADS and PASSWORD_HASH_CONCURRENCY from values.yaml), on a port of
its own so no other section's load is in its memory. Every login of the
burst costs one Argon2 hash (an unknown email hashes a dummy). Printed: the
resident memory of the master and its workers when idle (after every thread
has answered a login) and at the peak of BENCH_LOGIN_BURSTS bursts of
BENCH_LOGIN_CLIENTS logins at once, beside the budget (idle + workers x
min(threads, hashes at once) x hash memory) and the chart's limit.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

from scripts.bench.load import report, wait_http
from scripts.memory import (
    chart_web_pod,
    hash_budget_kib,
    login_burst,
    peak_resident,
    resident_kib,
)
from scripts.system import System, free_port

CLIENTS = int(os.environ.get("BENCH_LOGIN_CLIENTS", "32"))
BURSTS = int(os.environ.get("BENCH_LOGIN_BURSTS", "3"))


def bench_logins(system: System) -> None:
    env, limit_kib = chart_web_pod("users-web")
    port = free_port()
    pod = system.start("users-web", instance=2, USERS_PORT=str(port), **env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz")
        for _ in range(2):  # every thread of every worker answers once
            login_burst(url, CLIENTS)
        idle = resident_kib(pod.popen.pid)
        with peak_resident(pod.popen.pid) as unhashed:  # refused before hashing
            for _ in range(BURSTS):
                login_burst(url, CLIENTS, hashing=False)
        with peak_resident(pod.popen.pid) as peak:
            answers = [a for _ in range(BURSTS) for a in login_burst(url, CLIENTS)]
    finally:
        system.signal(pod.name, signal.SIGTERM)
        del system.processes[pod.name]
    budget = idle + hash_budget_kib(env)
    statuses = Counter(a.status_code for a in answers)
    section = f"users-web memory, {CLIENTS} logins at once"
    setup = ", ".join(f"{k}={v}" for k, v in env.items())
    report(section, f"pod as the chart runs it ({setup})", f"limit {limit_kib / 1024:.0f} MiB")
    report(section, "resident memory, idle", f"{idle / 1024:.0f} MiB")
    report(
        section,
        "resident memory, peak of the same bursts refused before hashing (400)",
        f"{unhashed.kib / 1024:.0f} MiB",
    )
    report(
        section,
        f"resident memory, peak over {BURSTS} bursts",
        f"{peak.kib / 1024:.0f} MiB (+{(peak.kib - idle) / 1024:.0f} MiB)",
    )
    report(
        section,
        "budget: idle + workers x min(threads, hashes at once) x (hash memory + 1 MiB)",
        f"{budget / 1024:.0f} MiB",
    )
    report(section, "answers", ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items())))
