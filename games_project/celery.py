"""The games service's Celery app (cookiecutter-django's wiring)."""

import os

from celery import Celery

from common.env import load_dotenv

# The environment, completed by .env at the repository root when present.
load_dotenv()

os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get(
    "GAMES_DJANGO_SETTINGS_MODULE",
    os.environ.get("DJANGO_SETTINGS_MODULE", "games_project.settings.local"),
)

app = Celery("games_project")
# Every CELERY_* Django setting configures the app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
