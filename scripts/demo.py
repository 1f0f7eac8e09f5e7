"""Walks the whole flow against a running system (`make run`), step by step,
with timings, then prints both services' ``status``. Exits non-zero at the
first step that fails.

    USERS_URL (default http://127.0.0.1:$USERS_PORT, 8001), GAMES_URL (default
    http://127.0.0.1:$GAMES_PORT, 8002); .env is read as everywhere else.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The environment, completed by .env at the repository root when present.
import common.env  # noqa: E402, F401  (needs the root on sys.path)

USERS = os.environ.get("USERS_URL", f"http://127.0.0.1:{os.environ.get('USERS_PORT', '8001')}")
GAMES = os.environ.get("GAMES_URL", f"http://127.0.0.1:{os.environ.get('GAMES_PORT', '8002')}")
PASSWORD = "demo-Walk-through-" + uuid.uuid4().hex[:8]


class StepFailed(Exception):
    pass


def step(number: int, title: str, action: Callable[[], str]) -> None:
    started = time.perf_counter()
    try:
        detail = action()
    except (StepFailed, requests.RequestException, subprocess.SubprocessError) as exc:
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{number:>2}. {title:<52} FAILED after {elapsed:.0f} ms\n    {exc}")
        raise SystemExit(1) from None
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{number:>2}. {title:<52} {elapsed:8.1f} ms  {detail}")


def expect(response: requests.Response, status: int) -> Any:
    if response.status_code != status:
        raise StepFailed(
            f"{response.request.method} {response.url}: expected {status}, got "
            f"{response.status_code}: {response.text[:300]}"
        )
    return response.json() if response.content else None


def manage_env() -> dict[str, str]:
    """The environment of ``make run``'s processes, for both projects' manage
    scripts: each takes its own settings module (``common/env.py``), which a
    DJANGO_SETTINGS_MODULE would override for both."""
    return {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}


def print_status() -> None:
    """Both services' ``status``: lag, outbox backlog, dead letters, health."""
    for project in ("users", "games"):
        print(f"\n$ manage_{project}.py status")
        done = subprocess.run(
            [sys.executable, str(ROOT / f"manage_{project}.py"), "status"],
            capture_output=True,
            text=True,
            env=manage_env(),
            timeout=120,
            check=False,
        )
        print((done.stdout + done.stderr).rstrip())


def games_knows(user_id: str, state: str) -> dict[str, Any]:
    env = manage_env()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage_games.py"),
            "show_player",
            user_id,
            "--wait-for",
            state,
            "--timeout",
            "15",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise StepFailed(done.stderr.strip() or done.stdout.strip())
    return json.loads(done.stdout.strip().splitlines()[-1])


# Over the 60-line budget on purpose: the nine steps read as one story (see
# tests/common/test_line_budget.py).
def main() -> int:
    http = requests.Session()
    state: dict[str, Any] = {"email": f"demo-{uuid.uuid4().hex[:10]}@example.com"}
    print(f"Demo against users {USERS} and games {GAMES}\n")

    def register() -> str:
        body = expect(
            http.post(
                f"{USERS}/users/",
                json={"email": state["email"], "password": PASSWORD, "name": "Demo Player"},
            ),
            201,
        )
        state["user_id"] = body["id"]
        return f"user {body['id']}"

    def created_reached_games() -> str:
        games_knows(state["user_id"], "known")
        return "the games service's projection has the user"

    def login() -> str:
        tokens = expect(
            http.post(f"{USERS}/auth/login/", json={"email": state["email"], "password": PASSWORD}),
            200,
        )
        state["auth"] = {"Authorization": f"Bearer {tokens['access']}"}
        return f"access token valid {tokens['expires_in']} s"

    def list_games() -> str:
        response = http.get(f"{GAMES}/games/", params={"page_size": 50})
        page = expect(response, 200)
        state["candidates"] = [g["id"] for g in page["results"]]
        return f"{page['count']} games, X-Cache {response.headers['X-Cache']}"

    def read_twice() -> str:
        random.shuffle(state["candidates"])
        for game_id in state["candidates"]:
            first = http.get(f"{GAMES}/games/{game_id}/")
            expect(first, 200)
            if first.headers["X-Cache"] != "MISS":
                continue  # cached by an earlier run: try another game
            second = http.get(f"{GAMES}/games/{game_id}/")
            expect(second, 200)
            if second.headers["X-Cache"] != "HIT":
                raise StepFailed(f"second read was {second.headers['X-Cache']}, not HIT")
            state["game"] = first.json()
            return f"game {game_id} ({state['game']['title']}): MISS, then HIT"
        raise StepFailed("every listed game was already cached")

    def record_read() -> str:
        body = expect(
            http.post(
                f"{GAMES}/games/", json={"game_id": state["game"]["id"]}, headers=state["auth"]
            ),
            202,
        )
        state["event_id"] = body["event_id"]
        state["recorded_at"] = time.perf_counter()
        return f"user.read event {body['event_id']}"

    def read_in_history() -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            page = expect(
                http.get(f"{USERS}/users/{state['user_id']}/read/", headers=state["auth"]), 200
            )
            if any(r["event_id"] == state["event_id"] for r in page["results"]):
                lag = (time.perf_counter() - state["recorded_at"]) * 1000
                return f"in the history {lag:.0f} ms after POST /games/"
            time.sleep(0.05)
        raise StepFailed("the read did not reach the history within 10 s")

    def delete_user() -> str:
        expect(http.delete(f"{USERS}/users/{state['user_id']}/", headers=state["auth"]), 204)
        return "user and history deleted; user.deleted queued"

    def token_refused() -> str:
        games_knows(state["user_id"], "deleted")
        response = http.post(
            f"{GAMES}/games/", json={"game_id": state["game"]["id"]}, headers=state["auth"]
        )
        expect(response, 403)
        return "403: the still-valid token no longer records reads"

    steps = [
        ("register a user", register),
        ("see user.created reach the games service", created_reached_games),
        ("log in", login),
        ("list games", list_games),
        ("read one game twice", read_twice),
        ("record the read (POST /games/)", record_read),
        ("see it in GET /users/{id}/read/", read_in_history),
        ("delete the user", delete_user),
        ("see the games service refuse the token", token_refused),
    ]
    total = time.perf_counter()
    for number, (title, action) in enumerate(steps, start=1):
        step(number, title, action)
    print(f"\nAll {len(steps)} steps passed in {(time.perf_counter() - total):.1f} s.")
    print_status()
    return 0


if __name__ == "__main__":
    sys.exit(main())
