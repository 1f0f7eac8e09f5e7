"""The games service's Celery app (the wiring is common to both projects)."""

from common.celery import project_celery_app

app = project_celery_app(project="games_project", settings_variable="GAMES_DJANGO_SETTINGS_MODULE")
