"""The games service's Celery app (the wiring is common to both projects)."""

from common.celery import project_celery_app

app = project_celery_app("games_project")
