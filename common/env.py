"""The one place that reads the process environment.

Settings modules import ``env`` from here, so every variable is read once, at
settings load, with django-environ's typed accessors.

Every entry point (``manage_*.py``, the WSGI apps, Celery, the scripts behind
``make``) sees the same configuration: the process environment and, when it
exists, ``.env`` at the repository root (``PROJECT_ENV_FILE`` names another
file). A variable already in the environment wins over the file. The Python
entry points choose their settings module with one rule,
``use_project_settings``.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from pathlib import Path

import environ
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = Path(os.environ.get("PROJECT_ENV_FILE", BASE_DIR / ".env"))

# What the process had before the file was read: the shell export below
# prints only what the file added.
_ENVIRONMENT_BEFORE_DOTENV = frozenset(os.environ)


def load_dotenv(path: Path = ENV_FILE) -> None:
    """Add the variables of ``path`` (if it exists) that are not already set.

    Idempotent, so every entry point may call it before it reads a variable.
    """
    if path.is_file():
        environ.Env.read_env(path, overwrite=False)


load_dotenv()


def use_project_settings(project: str) -> str:
    """Set ``project``'s settings module: the one rule of ``manage_*.py``,
    ``wsgi.py`` and ``celery.py``. ``DJANGO_SETTINGS_MODULE`` first (as in
    cookiecutter-django), else ``USERS_``/``GAMES_DJANGO_SETTINGS_MODULE`` (one
    shell or ``.env`` choosing for both projects), else local settings: the
    entry points are run by hand on a checkout, and what is deployed names its
    settings (the image and the chart: production). The other project's module
    is refused rather than run against the wrong database. Once settings are
    loaded, the choice is made (the other project's Celery app, imported by a
    test, changes nothing)."""
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


def dotenv_exports() -> str:
    """Shell ``export`` lines for what ``.env`` adds to this environment.

    The shell scripts behind ``make`` run ``eval "$(python -m common.env)"``,
    so they read the file the same way (django-environ's parser) and with the
    same rule (the environment wins) as the Python entry points.
    """
    added = sorted(set(os.environ) - _ENVIRONMENT_BEFORE_DOTENV)
    return "".join(f"export {name}={shlex.quote(os.environ[name])}\n" for name in added)


if __name__ == "__main__":
    sys.stdout.write(dotenv_exports())
