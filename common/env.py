"""The one place that reads the process environment (django-environ's
``env``, read once at settings load): the process environment plus ``.env``
at the repository root (``PROJECT_ENV_FILE`` names another), where a
variable already set wins over the file."""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import environ
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = Path(os.environ.get("PROJECT_ENV_FILE", BASE_DIR / ".env"))

# What the process had before the file was read: the export below prints only what it added.
_ENVIRONMENT_BEFORE_DOTENV = frozenset(os.environ)


def load_dotenv() -> None:
    """Add the variables of ``.env`` (if it exists) that are not already set."""
    if ENV_FILE.is_file():
        environ.Env.read_env(ENV_FILE, overwrite=False)


load_dotenv()


def use_project_settings(project: str) -> str:
    """Set ``project``'s settings module for ``manage_*.py``, ``wsgi.py`` and
    ``celery.py``: ``DJANGO_SETTINGS_MODULE``, else ``USERS_``/``GAMES_DJANGO_SETTINGS_MODULE``
    (one ``.env`` for both projects), else local settings. The other
    project's module is refused; once settings are loaded, the choice is made."""
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
        candidate = path.with_suffix(f".{os.getpid()}.tmp")
        candidate.write_text(make())
        candidate.chmod(0o600)
        # Atomic publish: two processes starting together agree on one value.
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


def dotenv_exports() -> str:
    """Shell ``export`` lines for what ``.env`` added, for the scripts behind
    ``make`` (``eval "$(python -m common.env)"``)."""
    added = sorted(set(os.environ) - _ENVIRONMENT_BEFORE_DOTENV)
    return "".join(f"export {name}={shlex.quote(os.environ[name])}\n" for name in added)


if __name__ == "__main__":
    sys.stdout.write(dotenv_exports())
