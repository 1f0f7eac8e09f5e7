"""Client-side steps shared by the end-to-end tests."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from common.outbox.relay import OutboxRelay
from scripts.poll import eventually


class Deployed(Protocol):
    """What the steps need of a running system: the processes of
    scripts/system.py, or the containers of tests/deploy/test_compose.py."""

    users_url: str
    games_url: str

    def query(self, project: str, sql: str, params: tuple = ()) -> list[tuple]: ...


@dataclass
class Account:
    user_id: str
    email: str
    password: str
    access: str = ""
    refresh: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


# Every secret the tests handle, so the log test can look for each one.
SECRETS: list[str] = []


def register(system: Deployed) -> Account:
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    password = f"e2e-Secret-{uuid.uuid4().hex}"
    SECRETS.append(password)
    created = requests.post(
        f"{system.users_url}/users/",
        json={"email": email, "password": password, "name": "E2E"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    return Account(created.json()["id"], email, password)


def login(system: Deployed, account: Account) -> Account:
    tokens = requests.post(
        f"{system.users_url}/auth/login/",
        json={"email": account.email, "password": account.password},
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    SECRETS.extend([body["access"], body["refresh"]])
    account.access, account.refresh = body["access"], body["refresh"]
    return account


def register_and_login(system: Deployed) -> Account:
    return login(system, register(system))


def register_many(system: Deployed, count: int, *, workers: int = 4) -> list[Account]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda _: register(system), range(count)))


def any_game_ids(system: Deployed, count: int) -> list[int]:
    page = requests.get(
        f"{system.games_url}/games/", params={"page_size": count}, timeout=30
    ).json()
    return [game["id"] for game in page["results"]]


def record_reads(
    system: Deployed, accounts: list[Account], game_ids: list[int], count: int, *, workers: int = 8
) -> dict[str, list[str]]:
    """POST ``count`` reads spread over the accounts; every answer must be 202."""

    def one(n: int) -> tuple[str, str]:
        account = accounts[n % len(accounts)]
        response = requests.post(
            f"{system.games_url}/games/",
            json={"game_id": game_ids[n % len(game_ids)]},
            headers=account.auth,
            timeout=30,
        )
        assert response.status_code == 202, response.text
        return account.user_id, response.json()["event_id"]

    sent: dict[str, list[str]] = {a.user_id: [] for a in accounts}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for user_id, event_id in pool.map(one, range(count)):
            sent[user_id].append(event_id)
    return sent


def history_event_ids(system: Deployed, user_id: str) -> list[str]:
    rows = system.query(
        "users", "SELECT event_id::text FROM accounts_gameread WHERE user_id = %s", (user_id,)
    )
    return [row[0] for row in rows]


def read_reaches_history(
    system: Deployed, account: Account, *, event_id: str, title: str, timeout: float = 60
) -> None:
    """Wait until the read ``event_id`` shows, with ``title``, on the user's
    history page (how fast is make bench's business, not a test's)."""

    def in_history() -> bool:
        page = requests.get(
            f"{system.users_url}/users/{account.user_id}/read/", headers=account.auth, timeout=30
        ).json()
        return any(r["event_id"] == event_id and r["title"] == title for r in page["results"])

    eventually(in_history, timeout=timeout, message="the read never reached the history")


def all_delivered(system: Deployed, sent: dict[str, list[str]]) -> bool:
    return all(sorted(history_event_ids(system, u)) == sorted(ids) for u, ids in sent.items())


def players_known(system: Deployed, accounts: list[Account]) -> int:
    ids = [a.user_id for a in accounts]
    return system.query(
        "games", "SELECT count(*) FROM players_player WHERE user_id::text = ANY(%s)", (ids,)
    )[0][0]


def assert_burst_delivered(
    system: Deployed, accounts: list[Account], sent: dict[str, list[str]], *, timeout: float
) -> None:
    """Every registered user reached the games service and every read reached
    the history, each exactly once (the history compares event ids)."""
    eventually(
        lambda: players_known(system, accounts) == len(accounts),
        timeout=timeout,
        every=0.5,
        message="user events lost on their way to the games service",
    )
    eventually(
        lambda: all_delivered(system, sent),
        timeout=timeout,
        every=0.5,
        message="read events lost on their way to the history",
    )


def applied_exactly_once(system: Deployed, sent: dict[str, list[str]]) -> None:
    """What a second apply of a read would change: the count each user keeps
    of their reads (incremented with every stored read) would pass the reads
    sent. (A second history row is impossible, its event id is unique: the
    consumer inserts with ON CONFLICT (event_id) DO NOTHING, the history row
    being its inbox, and counts only the rows it inserted.)"""
    counts = dict(
        system.query(
            "users",
            "SELECT id::text, read_count FROM accounts_user WHERE id::text = ANY(%s)",
            (list(sent),),
        )
    )
    assert counts == {user_id: len(ids) for user_id, ids in sent.items()}


def outboxes_sent(system: Deployed) -> int:
    """Wait until both services' outboxes have no unsent row; how many were
    unsent when called.

    A relay killed after Kafka acknowledged a batch but before it marked the
    rows sent leaves them under its lease (``OutboxRelay.lease_seconds``);
    a relay sends them again once the lease runs out, and consumers must
    drop those second copies. Waiting for this lets a test check that they
    did, instead of checking before the copies exist."""
    unsent = "SELECT count(*) FROM common_outboxevent WHERE sent_at IS NULL"

    def pending() -> int:
        return sum(system.query(project, unsent)[0][0] for project in ("users", "games"))

    at_start = pending()
    eventually(
        lambda: pending() == 0,
        timeout=OutboxRelay.lease_seconds + 90,
        every=1,
        message="outbox rows were never sent, even after a dead relay's lease ran out",
    )
    return at_start


def a_read_reaches_the_history(system: Deployed) -> tuple[Account, dict[str, Any]]:
    """The demo flow up to its proof, through a deployed system's front door:
    a user registers and logs in, the games service learns of them, a game is
    listed and read, a read is recorded and shows in the user's history.
    Returns the account and the game."""
    account = register_and_login(system)
    eventually(
        lambda: system.query(
            "games", "SELECT 1 FROM players_player WHERE user_id = %s", (account.user_id,)
        ),
        timeout=60,
        every=0.5,
        message="user.created never reached the games service",
    )
    listed = requests.get(f"{system.games_url}/games/", params={"page_size": 5}, timeout=30)
    assert listed.status_code == 200 and len(listed.json()["results"]) == 5
    game = listed.json()["results"][0]
    read = requests.get(f"{system.games_url}/games/{game['id']}/", timeout=30)
    assert read.status_code == 200 and read.json()["title"] == game["title"]
    recorded = requests.post(
        f"{system.games_url}/games/", json={"game_id": game["id"]}, headers=account.auth, timeout=30
    )
    assert recorded.status_code == 202, recorded.text
    read_reaches_history(system, account, event_id=recorded.json()["event_id"], title=game["title"])
    return account, game
