"""The stand-in's HTTP server (standard library only, threaded).

Upstream shape::

    GET /api/games[?platform=pc|browser|all&category=<slug>&sort-by=<order>]
    GET /api/game?id=N      404 {"status": 0, "status_message": ...} if unknown

Control (not part of the upstream API)::

    GET  /_control          knobs and request counters
    POST /_control          set knobs: {"latency_ms": 0, "error_rate": 0.0,
                            "outage": false, "malformed": false,
                            "rate_limited": false}
    POST /_control/reset    knobs back to their start values, counters to zero
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scripts.catalog_stub import catalog as data


@dataclass
class Knobs:
    latency_ms: int = 0
    error_rate: float = 0.0  # share of upstream requests answered 500
    outage: bool = False  # every upstream request answered 503
    malformed: bool = False  # 200 with a payload of the wrong shape
    rate_limited: bool = False  # 429 with Retry-After: 1
    fail_next: int = 0  # the next N upstream requests answer 500
    throttle_next: int = 0  # the next N upstream requests answer 429


@dataclass
class StubState:
    base_url: str
    start_knobs: Knobs = field(default_factory=Knobs)
    knobs: Knobs = field(default_factory=Knobs)
    counts: Counter[str] = field(default_factory=Counter)
    last_user_agent: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, game_id: str | None, user_agent: str) -> None:
        """Count one upstream request: in all, per path, and per game id."""
        with self.lock:
            self.last_user_agent = user_agent
            self.counts["total"] += 1
            self.counts[path] += 1
            if game_id is not None:
                self.counts[f"/game?id={game_id}"] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "knobs": asdict(self.knobs),
                "requests": dict(self.counts),
                "last_user_agent": self.last_user_agent,
            }

    def take(self, knob: str) -> bool:
        """Consume one unit of a countdown knob (fail_next, throttle_next)."""
        with self.lock:
            left = getattr(self.knobs, knob)
            if left > 0:
                self.knobs = replace(self.knobs, **{knob: left - 1})
                return True
            return False


def _json(
    handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)


class StubHandler(BaseHTTPRequestHandler):
    """FreeToGame's two endpoints and the control ones, over ``state``."""

    state: StubState  # set per server by make_handler
    protocol_version = "HTTP/1.1"
    server_version = "FreeToGameStub/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would drown the supervisor's output

    # -- control -------------------------------------------------------
    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        if path == "/_control/reset":
            with self.state.lock:
                self.state.knobs = replace(self.state.start_knobs)
                self.state.counts.clear()
            _json(self, 200, self.state.snapshot())
            return
        if path != "/_control":
            _json(self, 404, {"status": 0, "status_message": "Not found"})
            return
        try:
            changes = json.loads(raw)
            with self.state.lock:
                self.state.knobs = replace(self.state.knobs, **changes)
        except (ValueError, TypeError) as exc:
            _json(self, 400, {"error": str(exc)})
            return
        _json(self, 200, self.state.snapshot())

    # -- upstream ------------------------------------------------------
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if path == "/_control":
            _json(self, 200, self.state.snapshot())
            return
        if path.startswith("/api"):
            path = path[len("/api") :]
        if path not in ("/games", "/game"):
            _json(self, 404, {"status": 0, "status_message": "Not found"})
            return
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.state.record(
            path,
            query.get("id") if path == "/game" else None,
            self.headers.get("User-Agent", ""),
        )
        if self._answered_with_a_fault(path):
            return
        games = data.catalog(self.state.base_url)
        if path == "/games":
            self._games(games, query)
        else:
            self._game(games, query)

    def _answered_with_a_fault(self, path: str) -> bool:
        """Answer as the knobs say (outage, throttling, errors, bad payload)."""
        knobs = self.state.knobs
        if knobs.latency_ms:
            time.sleep(knobs.latency_ms / 1000)
        if knobs.outage:
            _json(self, 503, {"status": 0, "status_message": "Service Unavailable"})
        elif knobs.rate_limited or self.state.take("throttle_next"):
            _json(
                self,
                429,
                {"status": 0, "status_message": "Too Many Requests"},
                {"Retry-After": "1"},
            )
        elif self.state.take("fail_next") or (
            knobs.error_rate and random.random() < knobs.error_rate
        ):
            _json(self, 500, {"status": 0, "status_message": "Internal Server Error"})
        elif knobs.malformed:
            _json(self, 200, {"unexpected": "shape"} if path == "/game" else [{"id": "x"}])
        else:
            return False
        return True

    def _games(self, games: tuple[dict[str, Any], ...], query: dict[str, str]) -> None:
        platform = query.get("platform")
        category = query.get("category")
        sort_by = query.get("sort-by")
        valid = (
            (platform is None or platform in data.PLATFORM_VALUES)
            and (category is None or category in data.CATEGORY_VALUES)
            and (sort_by is None or sort_by in data.SORT_VALUES)
        )
        chosen = (
            data.select(games, platform=platform, category=category, sort_by=sort_by)
            if valid
            else []
        )
        if not chosen:
            _json(self, 404, {"status": 0, "status_message": "No results found"})
            return
        _json(self, 200, [data.list_item(game) for game in chosen])

    def _game(self, games: tuple[dict[str, Any], ...], query: dict[str, str]) -> None:
        raw_id = query.get("id", "")
        game = next((g for g in games if raw_id.isdigit() and g["id"] == int(raw_id)), None)
        if game is None:
            _json(self, 404, {"status": 0, "status_message": "No game found with that ID"})
            return
        _json(self, 200, data.detail(game))


def make_handler(state: StubState) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (StubHandler,), {"state": state})


class CatalogStub:
    """The server plus its state; ``start()`` runs it in a background thread."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 8009, knobs: Knobs | None = None
    ) -> None:
        self.httpd = ThreadingHTTPServer((host, port), make_handler(StubState(base_url="")))
        self.httpd.daemon_threads = True
        bound_host, bound_port = self.httpd.server_address[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        self.state = StubState(
            base_url=self.url, start_knobs=knobs or Knobs(), knobs=replace(knobs or Knobs())
        )
        self.httpd.RequestHandlerClass = make_handler(self.state)
        self._thread: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def start(self) -> CatalogStub:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="catalog-stub", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # Conveniences for tests in the same process.
    def set(self, **knobs: Any) -> None:
        with self.state.lock:
            self.state.knobs = replace(self.state.knobs, **knobs)

    def reset(self) -> None:
        with self.state.lock:
            self.state.knobs = replace(self.state.start_knobs)
            self.state.counts.clear()

    def calls(self, key: str = "total") -> int:
        with self.state.lock:
            return self.state.counts[key]
