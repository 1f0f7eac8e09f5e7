"""One Celery app per project, wired the same way (cookiecutter-django's
``config/celery_app.py``): the environment (completed by ``.env``) chooses
the settings module, every ``CELERY_*`` Django setting configures the app,
and the tasks of the installed apps are discovered."""

from __future__ import annotations

import os

from celery import Celery

from common.env import load_dotenv


def project_celery_app(*, project: str, settings_variable: str) -> Celery:
    """The Celery app of ``project`` (``users_project``, ``games_project``).

    ``settings_variable`` (``USERS_DJANGO_SETTINGS_MODULE``, …) names the
    settings module, else ``DJANGO_SETTINGS_MODULE``, else the project's
    local settings, as for its ``manage_*.py``.
    """
    load_dotenv()
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get(
        settings_variable,
        os.environ.get("DJANGO_SETTINGS_MODULE", f"{project}.settings.local"),
    )
    app = Celery(project)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.autodiscover_tasks()
    return app
