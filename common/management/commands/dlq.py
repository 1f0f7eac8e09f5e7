from __future__ import annotations

import argparse
import getpass
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.deadletters.reader import (
    OPEN,
    REPLAYED,
    STATES,
    DeadLetter,
    replay_refusals,
    select_dead_letters,
    service_dlq_topics,
)
from common.deadletters.services import dead_letters_purge, dead_letters_replay
from common.ops.text import as_json, format_age, render_table

# Age buckets of the summary: (column, upper bound in seconds).
AGE_BUCKETS = (("<1h", 3600), ("<1d", 86400), ("<7d", 7 * 86400), ("older", float("inf")))
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def moment(text: str) -> datetime:
    """A duration back from now (``30m``, ``2h``, ``7d``) or an ISO date-time (UTC if naive)."""
    try:
        if match := _DURATION.match(text.strip()):
            amount, unit = match.groups()
            return datetime.now(UTC) - timedelta(**{_UNITS[unit]: int(amount)})
        at = datetime.fromisoformat(text.strip())
    except (ValueError, OverflowError):  # OverflowError: a duration back past year 1
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a duration (30m, 2h, 7d) nor an ISO date-time"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def selection_options(sub: argparse.ArgumentParser, *, ids: bool) -> None:
    if ids:
        sub.add_argument("ids", nargs="*", help="ids: topic:partition:offset")
    sub.add_argument("--topic", action="append", default=[], help="original topic (logical name)")
    sub.add_argument("--reason", action="append", default=[], help="dlq.reason header")
    sub.add_argument("--since", type=moment, help="dead since: 30m, 2h, 7d or ISO time")
    sub.add_argument("--until", type=moment, help="dead before: 30m, 2h, 7d or ISO time")


class Command(BaseCommand):
    help = (
        "Dead letters of this service's consumers (<topic>.dlq): list, show, "
        "replay (dry run unless --execute), purge (asks first unless --yes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        listing = commands.add_parser("list", help="counts by topic, reason and age; entries")
        selection_options(listing, ids=False)
        listing.add_argument("--state", choices=[*STATES, "all"], default=OPEN)
        listing.add_argument("--limit", type=int, default=50, help="entries shown (newest first)")
        listing.add_argument("--json", action="store_true")
        show = commands.add_parser("show", help="one dead letter in full")
        show.add_argument("id")
        replay = commands.add_parser(
            "replay", help="republish to the topic the DLQ is named after (<topic>.dlq)"
        )
        selection_options(replay, ids=True)
        replay.add_argument("--execute", action="store_true", help="really replay (else dry run)")
        replay.add_argument("--again", action="store_true", help="include entries replayed before")
        replay.add_argument("--by", default=None, help="who replays (default: the OS user)")
        purge = commands.add_parser("purge", help="mark entries purged (list hides them)")
        selection_options(purge, ids=True)
        purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        purge.add_argument("--by", default=None, help="who purges (default: the OS user)")
        purge.add_argument("--note", default="", help="why (kept with the purge)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def _select(self, options: dict[str, Any], *, states: tuple[str, ...]) -> list[DeadLetter]:
        ids = options.get("ids") or ()
        letters = select_dead_letters(
            service_dlq_topics(options["topic"]),
            states=states,
            ids=ids,
            reasons=options["reason"],
            since=options["since"],
            until=options["until"],
        )
        if missing := set(ids) - {letter.id for letter in letters}:
            raise CommandError(
                f"no {'/'.join(states)} dead letter {', '.join(sorted(missing))} "
                "(see dlq list --state all)"
            )
        return letters

    def handle_list(self, *, state: str, limit: int, json: bool, **options: Any) -> None:
        letters = self._select(options, states=STATES if state == "all" else (state,))
        now = datetime.now(UTC)
        if json:
            self.stdout.write(as_json([_as_dict(letter, now) for letter in letters]))
            return
        topics = ", ".join(service_dlq_topics(options["topic"]))
        self.stdout.write(f"Dead letters ({state}) in {topics}: {len(letters)}\n")
        if not letters:
            return
        buckets = [name for name, _ in AGE_BUCKETS]
        counts: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for d in letters:
            age = (now - d.dead_at).total_seconds()
            counts[d.dlq_topic, d.reason][next(b for b, top in AGE_BUCKETS if age < top)] += 1
        summary = [[*key, c.total(), *(c[b] for b in buckets)] for key, c in sorted(counts.items())]
        self.stdout.write(render_table(["TOPIC", "REASON", "COUNT", *buckets], summary) + "\n\n")
        columns = ["ID", "DEAD AT (UTC)", "AGE", "REASON", "STATE", "TYPE", "EVENT ID", "KEY"]
        names = ("age", "reason", "state", "event_type", "event_id", "key")
        entries = [(d, _as_dict(d, now)) for d in letters[:limit]]
        rows = [
            [d.id, f"{d.dead_at:%Y-%m-%d %H:%M:%S}", *(e[n] or "-" for n in names)]
            for d, e in entries
        ]
        self.stdout.write(render_table(columns, rows))
        if len(letters) > limit:
            self.stdout.write(f"... {len(letters) - limit} older not shown (--limit)")

    def handle_show(self, *, id: str, **options: Any) -> None:
        topic = id.rsplit(":", 2)[0]
        matches = select_dead_letters([topic], states=STATES, ids=[id])
        if not matches:
            raise CommandError(f"no dead letter {id} (ids are <dlq topic>:<partition>:<offset>)")
        self.stdout.write(as_json(_as_dict(matches[0], datetime.now(UTC), full=True)))

    def handle_replay(self, *, execute: bool, again: bool, by: str | None, **options: Any) -> None:
        letters = self._select(options, states=(OPEN, REPLAYED) if again else (OPEN,))
        if not execute:
            refusals = replay_refusals(letters)
            letters = [letter for letter in letters if letter.id not in refusals]
            for id, why in refusals.items():
                self.stdout.write(f"would refuse {id}: {why}")
            for d in letters:
                self.stdout.write(
                    f"would replay {d.id} ({d.reason}, {d.envelope_text('type') or '?'} "
                    f"{d.envelope_text('id') or '?'}) to {d.replay_topic}"
                )
            self.stdout.write(f"dry run: {len(letters)} to replay; add --execute to do it")
            return
        who = by or getpass.getuser()
        replayed, refusals = dead_letters_replay(letters=letters, performed_by=who)
        for letter, target in replayed:
            self.stdout.write(f"replayed {letter.id} -> {target}")
        self.stdout.write(f"replayed {len(replayed)} by {who}")
        for id, why in refusals.items():
            self.stderr.write(f"refused {id}: {why}")
        if refusals:
            raise CommandError(
                f"refused {len(refusals)} (listed above): left open, not replayed anywhere; "
                "look at who wrote them (dlq show ID), then dlq purge them"
            )

    def handle_purge(self, *, yes: bool, by: str | None, note: str, **options: Any) -> None:
        letters = self._select(options, states=(OPEN, REPLAYED))
        if not letters:
            self.stdout.write("purged 0: nothing matches")
            return
        if not yes:
            answer = input(f"Purge {len(letters)} dead letters? Type 'yes' to confirm: ")
            if answer.strip().lower() != "yes":
                self.stdout.write("purged 0: not confirmed")
                return
        dead_letters_purge(letters=letters, performed_by=by or getpass.getuser(), note=note)
        self.stdout.write(f"purged {len(letters)}")


def _as_dict(letter: DeadLetter, now: datetime, *, full: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": letter.id,
        "dead_at": letter.dead_at.isoformat(),
        "age": format_age((now - letter.dead_at).total_seconds()),
        "reason": letter.reason,
        "state": letter.state,
        "consumer": letter.header("dlq.consumer"),
        "original": {
            k: letter.header(f"dlq.original_{k}") for k in ("topic", "partition", "offset")
        },
        "event_id": letter.envelope_text("id") or None,
        "event_type": letter.envelope_text("type") or None,
        "key": (letter.key or b"").decode(errors="replace") or None,
    }
    if full:
        doc["error"] = letter.header("dlq.error")
        doc["headers"] = {
            name: (value or b"").decode(errors="replace") for name, value in letter.headers
        }
        raw = (letter.value or b"").decode(errors="replace")
        doc["envelope"] = letter.envelope if letter.envelope is not None else raw
        doc["actions"] = [
            {
                "action": a.action,
                "by": a.performed_by,
                "at": a.performed_at.isoformat(),
                "detail": a.detail,
            }
            for a in letter.actions
        ]
    return doc
