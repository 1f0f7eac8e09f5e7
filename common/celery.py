"""One Celery app per project, wired the same way (cookiecutter-django's
``config/celery_app.py``): the settings module chosen as by every entry
point (``common.env.use_project_settings``), every ``CELERY_*`` Django
setting configures the app, and the tasks of the installed apps are
discovered."""

from __future__ import annotations

from typing import Any

from celery import Celery

from common.env import use_project_settings


def project_celery_app(project: str) -> Celery:
    """The Celery app of ``project`` (``users_project``, ``games_project``)."""
    use_project_settings(project)
    app = Celery(project)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.autodiscover_tasks()
    return app


def every(seconds: float, task: str, **kwargs: Any) -> dict[str, Any]:
    """A beat schedule entry (schedules live in code, not in the database).
    ``expires``: a run that waited longer than one period is dropped, since
    the next one is already due."""
    return {"task": task, "schedule": seconds, "kwargs": kwargs, "options": {"expires": seconds}}
