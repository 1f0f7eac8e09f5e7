"""Structured logging with structlog: console lines in development, JSON in
production (``LOG_FORMAT=json``); request and correlation ids ride in
contextvars, so every line of a request or an event carries them."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

import structlog

# Keys never written to a log, whatever a caller passes in.
REDACTED_KEYS = frozenset(
    {
        "password",
        "current_password",
        "new_password",
        "token",
        "access",
        "refresh",
        "authorization",
        "secret",
        "jwt",
    }
)


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in REDACTED_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


# What every line carries, ours and the libraries' (Django, kafka-python, Celery).
_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _redact,
]


def build_logging_config(*, service: str, fmt: str, level: str) -> dict[str, Any]:
    """Django's ``LOGGING`` dict; configures structlog to match (once per process)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    # Our own lines go straight to stderr, not through stdlib logging's
    # handlers (docs/benchmarks.md); library lines still do, below.
    structlog.configure(
        processors=[
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=lambda *args: _StderrLogger(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    renderer,
                ],
                "foreign_pre_chain": [
                    *_SHARED_PROCESSORS,
                    structlog.stdlib.add_logger_name,
                    structlog.processors.format_exc_info,
                ],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # kafka-python logs every reconnect at INFO/WARNING; keep our lines readable.
            "kafka": {"level": "WARNING"},
            # Without their own console handler (DEBUG's), lines print once.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "django.db.backends": {"level": "INFO"},
        },
    }


class _StderrLogger:
    """Writes each rendered line to the current ``sys.stderr`` (looked up at
    write time, so test runners that swap it still capture the lines)."""

    _lock = threading.Lock()

    def msg(self, message: str) -> None:
        with self._lock:
            sys.stderr.write(message + "\n")

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


def get_logger(name: str) -> Any:
    return structlog.get_logger().bind(logger=name)


# Binds values to every log line inside the block (and only there).
bound_context = structlog.contextvars.bound_contextvars


def current_correlation_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("correlation_id")
