"""What every section of `make bench` shares: the printed table, wrk, and
the web servers it compares (gunicorn `gthread`, gunicorn `sync`, granian)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from scripts.poll import eventually

if TYPE_CHECKING:
    from scripts.system import System

ROOT = Path(__file__).resolve().parents[2]
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "15"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REQUESTS_LUA = Path(__file__).with_name("requests.lua")
rows: list[tuple[str, str, str]] = []


def report(section: str, measure: str, value: str) -> None:
    rows.append((section, measure, value))
    print(f"  {section:<36} {measure:<64} {value}", flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- wrk --------------------------------------------------------------------------
def wrk(url: str, request_file: Path | None = None) -> dict[str, float]:
    """wrk -t2 -c16 on ``url``; with ``request_file`` (see requests.lua) it
    sends those requests in turn and counts the 2xx answers itself."""
    script = ["-s", str(REQUESTS_LUA)] if request_file else []
    args = ["--", str(request_file)] if request_file else []
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{WRK_SECONDS}s", "--latency", *script, url, *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(text: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    result["requests"] = float(re.search(r"(\d+) requests in", out).group(1))
    for pct in ("50", "99"):
        result[f"p{pct}"] = ms(re.search(rf"\s{pct}%\s+([\d.]+\w+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = float(non2xx.group(1)) if non2xx else 0.0
    ok = re.search(r"^2xx: (\d+)", out, re.M)
    if ok:
        result["2xx"] = float(ok.group(1))
    return result


def request_file(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    """Write (method, path, Authorization, body) requests for requests.lua."""
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


def describe(r: dict[str, float]) -> str:
    return f"{r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms" + (
        f", {int(r['errors'])} non-2xx" if r["errors"] else ""
    )


def keep_best(results: dict[str, dict[str, float]], name: str, result: dict[str, float]) -> None:
    """Of the rounds, keep each server's best throughput and best p50/p99
    (the others' load on this machine comes in bursts)."""
    best = results.setdefault(name, result)
    best["rps"] = max(best["rps"], result["rps"])
    for key in ("p50", "p99", "errors"):
        best[key] = min(best[key], result[key])


# -- web servers --------------------------------------------------------------------
# Each with the Procfile's size: WEB_CONCURRENCY processes (2), and for the
# threaded ones WEB_THREADS threads each (4). gunicorn turns `-k sync` back
# into gthread while `threads` > 1, hence `--threads 1`. granian's own default
# for WSGI is many more threads (half its backpressure: 256 a worker), run too
# since it changes how a slow upstream is absorbed.
def granian(app: str, port: int, *threads: str) -> list[str]:
    return [
        *("-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", os.environ.get("WEB_CONCURRENCY", "2"), *threads),
        *("--no-ws", "--log-level", "warning", app),
    ]


SERVERS = {
    "gthread": lambda app, port: ["-m", "gunicorn", app, *GUNICORN, f"127.0.0.1:{port}"],
    "sync": lambda app, port: [
        *("-m", "gunicorn", app, *GUNICORN, f"127.0.0.1:{port}"),
        *("-k", "sync", "--threads", "1"),
    ],
    "granian": lambda app, port: granian(
        app, port, "--blocking-threads", os.environ.get("WEB_THREADS", "4")
    ),
    "granian, default threads": lambda app, port: granian(app, port),
}
GUNICORN = ("-c", "infra/gunicorn.conf.py", "--bind")


def serve(
    kind: str, app: str, port: int, env: dict[str, str], workdir: Path, **extra: str
) -> subprocess.Popen:
    """Start ``app`` (``module:callable``) under server ``kind`` on ``port``.
    Each run gets an empty Prometheus multiprocess folder of its own (gunicorn's
    hook empties it too; granian has no hooks)."""
    metrics = workdir / "metrics" / f"{port}-{uuid.uuid4().hex[:6]}"
    metrics.mkdir(parents=True)
    return subprocess.Popen(
        [sys.executable, *SERVERS[kind](app, port)],
        cwd=ROOT,
        env={**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics), **extra},
        stdout=(workdir / f"{kind.split(',')[0]}-{port}.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_http(
    url: str, timeout: float = 60, headers: dict[str, str] | None = None, status: int = 200
) -> None:
    def answers() -> bool:
        try:
            return requests.get(url, timeout=2, headers=headers).status_code == status
        except requests.RequestException:
            return False

    eventually(answers, timeout=timeout, message=f"{url} did not answer {status}", every=0.2)


@dataclass(frozen=True)
class ProcessSample:
    """One process as /proc shows it now."""

    name: str
    group: int  # process group: a supervised process and its children
    cpu_ticks: int  # user + system time so far
    rss_kib: int


def processes() -> Iterator[ProcessSample]:
    """Every process still readable in /proc (some exit while we read)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 :].rsplit(")", 1)
        fields = rest.split()
        rss = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
        yield ProcessSample(name, int(fields[2]), int(fields[11]) + int(fields[12]), rss)


def stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def login(system: System) -> dict[str, str]:
    email, password = f"bench-{uuid.uuid4().hex[:10]}@example.com", f"Bench-{uuid.uuid4().hex}"
    created = requests.post(
        f"{system.users_url}/users/",
        json={"email": email, "password": password, "name": "B"},
        timeout=30,
    ).json()
    token = requests.post(
        f"{system.users_url}/auth/login/", json={"email": email, "password": password}, timeout=30
    ).json()["access"]
    return {"user_id": created["id"], "auth": f"Bearer {token}"}


def cached_detail(system: System) -> tuple[int, bytes]:
    """A game id whose detail is cached (a HIT), and its bytes."""
    game_id = requests.get(f"{system.games_url}/games/", timeout=30).json()["results"][0]["id"]
    url = f"{system.games_url}/games/{game_id}/"
    requests.get(url, timeout=30)
    hit = requests.get(url, timeout=30)
    assert hit.headers["X-Cache"] == "HIT", hit.headers
    return game_id, hit.content
