"""The users service's Celery app (the wiring is common to both projects)."""

from common.celery import project_celery_app

app = project_celery_app(project="users_project", settings_variable="USERS_DJANGO_SETTINGS_MODULE")
