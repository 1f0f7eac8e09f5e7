"""One Celery app per project, wired as cookiecutter-django's: configured by
the ``CELERY_*`` Django settings, with the installed apps' tasks discovered."""

from __future__ import annotations

from typing import Any

from celery import Celery

from common.env import use_project_settings


def project_celery_app(project: str) -> Celery:
    use_project_settings(project)
    app = Celery(project)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.autodiscover_tasks()
    return app


def every(seconds: float, task: str, **kwargs: Any) -> dict[str, Any]:
    """A beat entry (in code, not the database); a run that waited a whole
    period expires, since the next one is already due."""
    return {"task": task, "schedule": seconds, "kwargs": kwargs, "options": {"expires": seconds}}
