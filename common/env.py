"""The one place that reads the environment (django-environ's ``env``): the
process environment, then ``.env`` at the repository root (``PROJECT_ENV_FILE``
names another) for what the process did not set."""

from __future__ import annotations

import os
import secrets
import shlex
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import environ
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = Path(os.environ.get("PROJECT_ENV_FILE", BASE_DIR / ".env"))

# So that ``python -m common.env`` exports only what the file added.
_ENVIRONMENT_BEFORE_DOTENV = frozenset(os.environ)
environ.Env.read_env(ENV_FILE, overwrite=False)  # a missing file is no error


def use_project_settings(project: str) -> str:
    """The one rule of every entry point: ``DJANGO_SETTINGS_MODULE``, else
    ``USERS_``/``GAMES_DJANGO_SETTINGS_MODULE`` (one ``.env`` for both projects),
    else local settings; the other project's module is refused."""
    if settings.configured:
        return os.environ.get("DJANGO_SETTINGS_MODULE", "")
    own = f"{project.removesuffix('_project').upper()}_DJANGO_SETTINGS_MODULE"
    module = os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", os.environ.get(own, f"{project}.settings.local")
    )
    if not module.startswith(f"{project}."):
        raise ImproperlyConfigured(f"DJANGO_SETTINGS_MODULE={module} is not {project}'s")
    return module


# Git-ignored working folder: generated development keys, service data, logs.
LOCAL_DIR = Path(os.environ.get("PROJECT_LOCAL_DIR", BASE_DIR / ".local"))

env = environ.Env()


def development_secret(
    name: str, *, make: Callable[[], str] = lambda: secrets.token_urlsafe(50)
) -> str:
    """A secret kept in ``.local/secrets/<name>``, made by ``make`` on first
    use: no secret is committed, and every checkout has its own."""
    path = LOCAL_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # A file of each caller's own (mode 0600), published atomically: the
        # processes and threads starting together agree on one value.
        descriptor, candidate = tempfile.mkstemp(dir=path.parent)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(make())
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(candidate)
    return path.read_text().strip()


if __name__ == "__main__":  # for the scripts behind make: eval "$(python -m common.env)"
    for name in sorted(set(os.environ) - _ENVIRONMENT_BEFORE_DOTENV):
        sys.stdout.write(f"export {name}={shlex.quote(os.environ[name])}\n")
