"""WSGI entry point of the games service (gunicorn games_project.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get(
    "GAMES_DJANGO_SETTINGS_MODULE", "games_project.settings.production"
)

application = get_wsgi_application()
