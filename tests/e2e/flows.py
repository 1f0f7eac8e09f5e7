"""Client-side steps shared by the end-to-end tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from tests.e2e.system import System


def eventually(
    check: Callable[[], Any], *, timeout: float, message: str, every: float = 0.05
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (after {timeout}s)")
        time.sleep(every)


@dataclass
class Account:
    user_id: str
    email: str
    password: str
    access: str
    refresh: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


# Every secret the tests handle, so the log test can look for each one.
SECRETS: list[str] = []


def register_and_login(system: System) -> Account:
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    password = f"e2e-Secret-{uuid.uuid4().hex}"
    SECRETS.append(password)
    created = requests.post(
        f"{system.users_url}/users/",
        json={"email": email, "password": password, "name": "E2E"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    tokens = requests.post(
        f"{system.users_url}/auth/login/", json={"email": email, "password": password}, timeout=10
    )
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    SECRETS.extend([body["access"], body["refresh"]])
    return Account(created.json()["id"], email, password, body["access"], body["refresh"])


def any_game_ids(system: System, count: int) -> list[int]:
    page = requests.get(
        f"{system.games_url}/games/", params={"page_size": count}, timeout=30
    ).json()
    return [game["id"] for game in page["results"]]


def history_event_ids(system: System, user_id: str) -> list[str]:
    rows = system.query(
        "users", "SELECT event_id::text FROM accounts_gameread WHERE user_id = %s", (user_id,)
    )
    return [row[0] for row in rows]
