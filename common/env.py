"""The one place that reads the process environment.

Settings modules import ``env`` from here, so every variable is read once, at
settings load, with django-environ's typed accessors.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
# Git-ignored working folder: generated development keys, service data, logs.
LOCAL_DIR = Path(os.environ.get("PROJECT_LOCAL_DIR", BASE_DIR / ".local"))

env = environ.Env()


def development_secret(name: str, *, nbytes: int = 50) -> str:
    """Return a random secret kept in ``.local/secrets/<name>``, made on first use.

    Development and test settings use this when no secret is configured, so no
    secret is ever committed and every checkout gets its own.
    """
    path = LOCAL_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_suffix(f".{os.getpid()}.tmp")
        candidate.write_text(secrets.token_urlsafe(nbytes))
        candidate.chmod(0o600)
        # Atomic publish: two processes starting together agree on one value.
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()
