"""PostgreSQL per POST (`BENCH_ONLY=postgres`): what each read costs the
database, and which of its knobs pay.

The hot statement of `POST /games/` (`games_project.catalog.sql.READ_INSERT`
inside `common.sql.with_event`: the read, the deleted-user check and the
`user.read` outbox row, one statement and one commit) is run straight from N
client connections, a thread each, for BENCH_PG_SECONDS, in databases of
this section's own (a second, migrated copy: nothing shared is altered).
Each measure is taken beside its baseline in alternated rounds
(BENCH_ROUNDS), the median kept:

- group commit: `commit_delay`/`commit_siblings` against none, with 1, 8
  and 32 writers, and 32 with the NOTIFY trigger off (a notifying commit
  holds a lock the others queue on, which leaves nothing to group). Both
  are superuser settings: they are set on this section's database
  (`ALTER DATABASE`, gone when it is dropped), as the `postgres` OS user
  when the project's role may not; `synchronous_commit` stays on;
- the outbox's NOTIFY trigger: with a relay asleep (its LISTEN connection
  holding the sleep lock, so every write notifies, as at rest), with the
  relays busy (no one holds it: what a write costs under load), and
  disabled;
- each index of the hot tables dropped against kept: `catalog_gameread` and
  `common_outboxevent` under the write and the relay's claim and settle,
  `accounts_gameread` under the users consumer's batch (the readers'
  check, the reads, the read counts). A unique index an `ON CONFLICT`
  names cannot go and is not measured. Then the queries each index serves,
  from their plans.

Per row: the CPU of the benchmark's own PostgreSQL backends (/proc), of
every PostgreSQL process (others' work on this server too), and WAL bytes.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import psycopg2.extensions
from psycopg2.extras import execute_values

from common.outbox.wakeup import CHANNEL, SLEEP_LOCK
from common.sql import OUTBOX_CLAIM, with_event
from games_project.catalog.sql import READ_INSERT
from scripts.bench.load import ROUNDS, report
from scripts.system import System
from users_project.accounts.sql import READ_COUNTS_ADD, READS_INSERT

SECTION = "PostgreSQL per POST"
SECONDS = float(os.environ.get("BENCH_PG_SECONDS", "5"))
# Writers, and whether the NOTIFY trigger is on (it is in production): a
# notifying commit takes a lock every other notifying commit waits for.
GROUP_COMMIT_LOADS = ((1, True), (8, True), (32, True), (32, False))
# (commit_delay in microseconds, commit_siblings); the first is the server's default.
GROUP_COMMIT = ((0, 5), (100, 5), (1000, 5), (1000, 1))
# Writers for the trigger and index measures: the write path's 2 x 4 web threads.
LOAD_WRITERS = 8
RELAY_BATCH = 100
CONSUMER_BATCH = 20
USERS = 20
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
WRITE = with_event(READ_INSERT)
SETTLE = (
    "UPDATE common_outboxevent SET sent_at = %s, claimed_by = '', last_error = '' "
    "WHERE id = ANY(%s) AND claimed_by = %s"
)
# The tables every read writes, in each service's database.
HOT = {
    "games": ("catalog_gameread", "common_outboxevent"),
    "users": ("accounts_gameread",),
}
# Indexes an ON CONFLICT names: dropping one breaks the statement, not a choice.
ARBITERS = {"accounts_gameread_event_id_key"}


@dataclass
class Measure:
    rows: int = 0
    seconds: float = 0.0
    own_ms: float = 0.0  # the benchmark's backends
    all_ms: float = 0.0  # every postgres process
    wal_bytes: float = 0.0

    def per_row(self) -> dict[str, float]:
        rows = max(1, self.rows)
        return {
            "rows/s": self.rows / max(self.seconds, 1e-9),
            "own µs/row": self.own_ms * 1000 / rows,
            "all µs/row": self.all_ms * 1000 / rows,
            "WAL B/row": self.wal_bytes / rows,
        }


def median_of(runs: list[Measure]) -> dict[str, float]:
    keys = runs[0].per_row()
    return {key: statistics.median(run.per_row()[key] for run in runs) for key in keys}


def describe(figures: dict[str, float]) -> str:
    return (
        f"{figures['rows/s']:.0f} rows/s; PG CPU µs/row: own backends "
        f"{figures['own µs/row']:.0f}, all {figures['all µs/row']:.0f}; "
        f"WAL {figures['WAL B/row']:.0f} B/row"
    )


def versus(ours: dict[str, float], base: dict[str, float]) -> str:
    def ratio(key: str) -> str:
        return f"{ours[key] / base[key]:.2f}x" if base[key] else "-"

    return (
        f"rows/s {ratio('rows/s')}, own CPU/row {ratio('own µs/row')}, "
        f"all CPU/row {ratio('all µs/row')}, WAL/row {ratio('WAL B/row')}"
    )


# -- CPU and WAL ---------------------------------------------------------------------
def ticks_of(pid: int) -> int:
    """User + system CPU ticks of a process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def postgres_ticks() -> dict[int, int]:
    """Every PostgreSQL process's ticks, by pid: a difference of sums would
    lose what a process that exits meanwhile had used before."""
    return {
        int(entry.name): ticks_of(int(entry.name))
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and (entry / "comm").exists() and comm(entry) == "postgres"
    }


def comm(entry: Path) -> str:
    try:
        return (entry / "comm").read_text().strip()
    except OSError:
        return ""


def ticks_since(before: dict[int, int]) -> int:
    """Ticks used since ``before`` by the PostgreSQL processes alive now."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in postgres_ticks().items())


def wal_lsn(url: str) -> str:
    return query(url, "SELECT pg_current_wal_lsn()::text")[0][0]


def query(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def measured(url: str, pids: Callable[[], list[int]], run: Callable[[], int]) -> Measure:
    """CPU and WAL of ``run`` (which returns the rows it wrote); ``pids``
    gives the backends of its connections, read before they close."""
    own, every, lsn = sum(map(ticks_of, pids())), postgres_ticks(), wal_lsn(url)
    begin = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - begin
    own, every = sum(map(ticks_of, pids())) - own, ticks_since(every)
    wal = query(url, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (lsn,))[0][0]
    return Measure(rows, seconds, own * TICK_MS, every * TICK_MS, float(wal))


# -- the load --------------------------------------------------------------------------
def connect(url: str) -> Any:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection


def backend_pid(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def read_params(users: list[str]) -> list[Any]:
    """One POST /games/'s parameters: the read, the deleted-user check, the
    outbox row (its payload shaped as common.events.reads.user_read's)."""
    event_id, user_id, now = str(uuid.uuid4()), users[0], datetime.now(UTC)
    data = {"user_id": user_id, "game_id": 452, "title": "Call of Duty: Warzone"}
    payload = {
        "id": event_id,
        "type": "user.read",
        "version": 1,
        "source": "games",
        "occurred_at": now.isoformat(),
        "data": {**data, "read_at": now.isoformat()},
    }
    headers = {"event_type": "user.read", "correlation_id": uuid.uuid4().hex}
    return [
        *(event_id, user_id, 452, data["title"], now, [user_id, user_id]),
        *(event_id, "user.read", user_id, json.dumps(payload), json.dumps(headers), now, now),
    ]


@contextmanager
def listening(url: str, *, asleep: bool = False) -> Iterator[int]:
    """A relay's LISTEN connection, its notifications drained meanwhile, and
    ``asleep``, holding the sleep lock (writers notify); yields its backend's pid."""
    connection = connect(url)
    pid = backend_pid(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {CHANNEL}")
        if asleep:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SLEEP_LOCK])
    done = threading.Event()

    def drain() -> None:
        while not done.is_set():
            if select.select([connection], [], [], 0.1)[0]:
                connection.poll()
                connection.notifies.clear()

    drainer = threading.Thread(target=drain)
    drainer.start()
    try:
        yield pid
    finally:
        done.set()
        drainer.join()
        connection.close()


def write_load(url: str, writers: int, *, relay: bool = False, asleep: bool = False) -> Measure:
    """``writers`` connections run the hot statement for SECONDS; with
    ``relay``, the rows are then claimed and settled in relay batches (the
    outbox's indexes pay for both). A relay's listener is open throughout,
    ``asleep`` or not."""
    users = [str(uuid.uuid4()) for _ in range(USERS)]
    connections = [connect(url) for _ in range(writers)]
    with listening(url, asleep=asleep) as listener:
        pids = [*(backend_pid(c) for c in connections), listener]
        counts = [0] * writers

        def write(n: int, stop_at: float) -> None:
            with connections[n].cursor() as cursor:
                while time.perf_counter() < stop_at:
                    cursor.execute(WRITE, read_params(users[n % USERS :]))
                    counts[n] += 1

        def run() -> int:
            stop_at = time.perf_counter() + SECONDS
            threads = [threading.Thread(target=write, args=(n, stop_at)) for n in range(writers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if relay:
                claim_and_settle(connections[0])
            return sum(counts)

        try:
            return measured(url, lambda: pids, run)
        finally:
            for connection in connections:
                connection.close()


def claim_and_settle(connection: Any) -> None:
    worker = f"bench-{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        while True:
            now = datetime.now(UTC)
            cursor.execute(OUTBOX_CLAIM, (now + timedelta(seconds=30), worker, now, RELAY_BATCH))
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return
            cursor.execute(SETTLE, (datetime.now(UTC), ids, worker))


def seed_users(url: str) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(USERS)]
    now = datetime.now(UTC)
    connection = connect(url)
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            "INSERT INTO accounts_user (id, password, is_superuser, email, email_key, name, "
            "is_staff, is_active, created_at, updated_at, read_count) VALUES %s",
            [
                (i, "!", False, f"{i}@bench", f"{i}@bench", "B", False, True, now, now, 0)
                for i in ids
            ],
        )
    connection.close()
    return ids


def consumer_load(url: str, users: list[str]) -> Measure:
    """The users consumer's batches for SECONDS (handle_user_reads: the
    readers' check, the reads, the read counts; the history row's unique
    event id is its inbox), one transaction per CONSUMER_BATCH events."""
    connection = psycopg2.connect(url)
    pid = backend_pid(connection)
    connection.commit()

    def run() -> int:
        rows, stop_at = 0, time.perf_counter() + SECONDS
        with connection.cursor() as cursor:
            while time.perf_counter() < stop_at:
                now = datetime.now(UTC)
                events = [str(uuid.uuid4()) for _ in range(CONSUMER_BATCH)]
                readers = [users[(rows + n) % len(users)] for n in range(CONSUMER_BATCH)]
                # handle_user_reads: the readers still exist, then game_reads_record.
                cursor.execute("SELECT id FROM accounts_user WHERE id = ANY(%s::uuid[])", [readers])
                size = len(events)
                cursor.execute(
                    READS_INSERT, [readers, [452] * size, ["Warzone"] * size, [now] * size, events]
                )
                counts: dict[str, int] = {}
                for reader in readers:
                    counts[reader] = counts.get(reader, 0) + 1
                execute_values(
                    cursor, READ_COUNTS_ADD, list(counts.items()), template="(%s::uuid, %s)"
                )
                connection.commit()
                rows += CONSUMER_BATCH
        return rows

    try:
        return measured(url, lambda: [pid], run)
    finally:
        connection.close()


# -- the section's own databases, and the superuser settings -------------------------------
def superuser(url: str, statement: str) -> bool:
    """Run ``statement`` as a PostgreSQL superuser: the project's role if it
    is one, else the local server's `postgres` OS user (root may become it).
    False when neither can."""
    if query(url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0]:
        query(url, statement)
        return True
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not (local and os.geteuid() == 0 and shutil.which("runuser")):
        return False
    done = subprocess.run(
        [
            *("runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"),
            *("-p", str(parts.port or 5432), "-d", "postgres", "-c", statement),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),  # the postgres user may not read the checkout
    )
    return done.returncode == 0


def set_group_commit(url: str, delay: int, siblings: int) -> bool:
    """For new sessions of this section's own database only."""
    database = urlsplit(url).path[1:]
    return superuser(
        url,
        f'ALTER DATABASE "{database}" SET commit_delay = {delay}; '
        f'ALTER DATABASE "{database}" SET commit_siblings = {siblings}',
    )


def empty(url: str, *tables: str) -> None:
    query(url, f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


# -- the measures ---------------------------------------------------------------------------
def bench_group_commit(games: str) -> None:
    if not set_group_commit(games, 0, 5):
        report(SECTION, "group commit", "not measured: needs a PostgreSQL superuser")
        return
    runs: dict[tuple[tuple[int, bool], tuple[int, int]], list[Measure]] = {}
    try:
        for _ in range(ROUNDS):
            for load in GROUP_COMMIT_LOADS:
                notify(games, enabled=load[1])
                for setting in GROUP_COMMIT:
                    set_group_commit(games, *setting)
                    now = query(
                        games,
                        "SELECT current_setting('commit_delay')::int, "
                        "current_setting('commit_siblings')::int",
                    )[0]
                    assert now == setting, f"{now} set, not {setting}"
                    empty(games, *HOT["games"])
                    runs.setdefault((load, setting), []).append(write_load(games, load[0]))
    finally:
        set_group_commit(games, 0, 5)
        notify(games, enabled=True)
    for load in GROUP_COMMIT_LOADS:
        base = median_of(runs[(load, GROUP_COMMIT[0])])
        writers = f"{load[0]} writers" + ("" if load[1] else ", NOTIFY trigger off")
        for setting in GROUP_COMMIT:
            figures = median_of(runs[(load, setting)])
            commit = f"commit_delay {setting[0]} µs, commit_siblings {setting[1]}"
            report(SECTION, f"{writers}, {commit}", describe(figures))
            if setting != GROUP_COMMIT[0]:
                report(SECTION, f"{writers}, {commit} vs none", versus(figures, base))


def notify(games: str, *, enabled: bool) -> None:
    action = "ENABLE" if enabled else "DISABLE"
    query(games, f"ALTER TABLE common_outboxevent {action} TRIGGER common_outbox_notify")


def bench_trigger(games: str) -> None:
    # (trigger enabled, a relay asleep): every write notifies; none does; no trigger.
    cases = {"a relay asleep": (True, True), "relays busy": (True, False), "off": (False, False)}
    runs: dict[str, list[Measure]] = {name: [] for name in cases}
    try:
        for _ in range(ROUNDS):
            for name, (enabled, asleep) in cases.items():
                notify(games, enabled=enabled)
                empty(games, *HOT["games"])
                runs[name].append(write_load(games, LOAD_WRITERS, asleep=asleep))
    finally:
        notify(games, enabled=True)
    figures = {name: median_of(measures) for name, measures in runs.items()}
    label = f"{LOAD_WRITERS} writers, NOTIFY trigger"
    for name, measure in figures.items():
        report(SECTION, f"{label}: {name}", describe(measure))
    for name in ("a relay asleep", "relays busy"):
        report(SECTION, f"{label}: {name} vs off", versus(figures[name], figures["off"]))


@dataclass(frozen=True)
class Index:
    table: str
    name: str
    create: str  # how to put it back: a CREATE INDEX or an ADD CONSTRAINT
    constraint: bool

    def drop(self) -> str:
        if self.constraint:
            return f'ALTER TABLE {self.table} DROP CONSTRAINT "{self.name}"'
        return f'DROP INDEX "{self.name}"'


def indexes(url: str, tables: tuple[str, ...]) -> list[Index]:
    """The tables' indexes but their primary keys and the ON CONFLICT arbiters."""
    found = query(
        url,
        "SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid), "
        "con.conname IS NOT NULL, pg_get_constraintdef(con.oid) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype = 'u' "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary ORDER BY 1, 2",
        (list(tables),),
    )
    return [
        Index(
            table,
            name,
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {condef}' if is_constraint else indexdef,
            is_constraint,
        )
        for table, name, indexdef, is_constraint, condef in found
        if name not in ARBITERS
    ]


def bench_indexes(games: str, users: str) -> None:
    loads: dict[str, tuple[str, tuple[str, ...], Callable[[], Measure]]] = {}
    user_ids = seed_users(users)
    loads["games"] = (games, HOT["games"], lambda: write_load(games, LOAD_WRITERS, relay=True))
    loads["users"] = (users, HOT["users"], lambda: consumer_load(users, user_ids))
    for side, (url, tables, load) in loads.items():
        candidates = indexes(url, tables)
        runs: dict[str, list[Measure]] = {}
        for _ in range(ROUNDS):
            for index in [None, *candidates]:
                empty(url, *tables)
                if index:
                    query(url, index.drop())
                try:
                    runs.setdefault(index.name if index else "", []).append(load())
                finally:
                    if index:
                        query(url, index.create)
        base = median_of(runs[""])
        what = "write + relay claim and settle" if side == "games" else "consumer batches"
        report(SECTION, f"{side}: {what}, every index", describe(base))
        for index in candidates:
            figures = median_of(runs[index.name])
            report(SECTION, f"{side}: without {index.name}", describe(figures))
            report(SECTION, f"{side}: without {index.name} vs every index", versus(figures, base))
        for name in sorted(ARBITERS & {n for (_, n, *_) in all_indexes(url, tables)}):
            report(SECTION, f"{side}: {name}", "kept: an ON CONFLICT names it")


def all_indexes(url: str, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    return query(
        url,
        "SELECT indrelid::regclass::text, indexrelid::regclass::text FROM pg_index "
        "WHERE indrelid::regclass::text = ANY(%s)",
        (list(tables),),
    )


# The code's queries on the hot tables (the ORM's as it writes them), by what runs them.
QUERIES: dict[str, list[tuple[str, str, tuple[Any, ...]]]] = {
    "games": [
        ("relay claim (common.sql.OUTBOX_CLAIM)", OUTBOX_CLAIM, ("now", "bench", "now", 100)),
        (
            "relay settle",
            SETTLE.replace("ANY(%s)", "ANY(%s::bigint[])"),
            ("now", [1, 2, 3], "bench"),
        ),
        (
            "relay purge_sent",
            "SELECT id FROM common_outboxevent WHERE sent_at < %s LIMIT 5000",
            ("old",),
        ),
        (
            "relay backlog, status",
            "SELECT count(*), min(created_at) FROM common_outboxevent WHERE sent_at IS NULL",
            (),
        ),
        (
            "most_read_game_ids (cache refresh)",
            "SELECT game_id, count(id) FROM catalog_gameread WHERE read_at >= %s "
            "GROUP BY game_id ORDER BY 2 DESC, 1 LIMIT 50",
            ("week",),
        ),
        (
            "game_reads_forget",
            "DELETE FROM catalog_gameread WHERE user_id = %s",
            (str(uuid.uuid4()),),
        ),
    ],
    "users": [
        (
            "history page (user_read_history)",
            "SELECT * FROM accounts_gameread WHERE user_id = %s "
            "ORDER BY read_at DESC, id DESC LIMIT 20",
            ("user",),
        ),
        (
            "user delete (the cascade)",
            "DELETE FROM accounts_gameread WHERE user_id = ANY(%s::uuid[])",
            (["user"],),
        ),
        (
            "consumer reads (READS_INSERT)",
            READS_INSERT,
            (["user"], [1], ["t"], ["now"], [str(uuid.uuid4())]),
        ),
    ],
}


def plan_indexes(plan: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(plan, dict):
        for key, value in plan.items():
            if key == "Index Name":
                found.add(value)
            elif key == "Conflict Arbiter Indexes":
                found.update(value)
            else:
                found |= plan_indexes(value)
    elif isinstance(plan, list):
        for item in plan:
            found |= plan_indexes(item)
    return found


def fill(games: str, users: str) -> None:
    """Ten weeks of reads and a day of sent outbox rows, so the planner sees
    tables shaped as production keeps them (reads forever, sent rows a day)."""
    query(
        games,
        "INSERT INTO catalog_gameread (event_id, user_id, game_id, title, read_at) "
        "SELECT gen_random_uuid(), gen_random_uuid(), n % 500, 't', now() - n * interval '30 s' "
        "FROM generate_series(1, 200000) n; "
        "INSERT INTO common_outboxevent (event_id, topic, key, payload, headers, created_at, "
        "available_at, sent_at, attempts, claimed_by, last_error) "
        "SELECT gen_random_uuid(), 'user.read', 'k', '{}', '{}', now() - n * interval '1 s', "
        "now() - n * interval '1 s', now() - n * interval '1 s', 1, '', '' "
        "FROM generate_series(1, 86400) n; ANALYZE catalog_gameread; ANALYZE common_outboxevent",
    )
    query(
        users,
        "INSERT INTO accounts_gameread (user_id, game_id, title, read_at, event_id) "
        "SELECT u.id, n % 500, 't', now() - n * interval '6 s', gen_random_uuid() "
        "FROM accounts_user u, generate_series(1, 10000) n; ANALYZE accounts_gameread",
    )


def report_plans(games: str, users: str) -> None:
    user_id = query(users, "SELECT id::text FROM accounts_user LIMIT 1")[0][0]
    empty(games, *HOT["games"])
    empty(users, *HOT["users"])
    fill(games, users)
    now = datetime.now(UTC)
    values = {
        "now": now,
        "old": now - timedelta(days=1),  # the relay's retention
        "week": now - timedelta(days=7),
        "user": user_id,
    }
    urls = {"games": games, "users": users}
    used: dict[str, list[str]] = {}
    for side, queries in QUERIES.items():
        for label, sql, params in queries:

            def value(param: Any) -> Any:
                if isinstance(param, list):
                    return [value(p) for p in param]
                return values.get(param, param) if isinstance(param, str) else param

            plan = query(
                urls[side], f"EXPLAIN (FORMAT JSON) {sql}", tuple(value(p) for p in params)
            )
            document = plan[0][0]
            for name in plan_indexes(
                json.loads(document) if isinstance(document, str) else document
            ):
                used.setdefault(name, []).append(label)
    for side, tables in HOT.items():
        for _, name in sorted(all_indexes(urls[side], tables)):
            report(SECTION, f"{side}: {name} used by", "; ".join(used.get(name, ["no query"])))


def bench_postgres(system: System) -> None:
    """This section's own databases: migrated like the system's, then dropped."""
    own = System(workdir=system.workdir / "postgres")
    own.workdir.mkdir(parents=True, exist_ok=True)
    own.create_databases()
    try:
        own.manage("games", "migrate", "--noinput")
        own.manage("users", "migrate", "--noinput")
        games, users = own.databases["games"], own.databases["users"]
        report(
            SECTION,
            "server",
            ", ".join(
                f"{name} {query(games, f'SHOW {name}')[0][0]}"
                for name in ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
            ),
        )
        bench_group_commit(games)
        bench_trigger(games)
        bench_indexes(games, users)
        report_plans(games, users)
    finally:
        own.drop_databases()
