"""WSGI entry point of the games service (gunicorn games_project.wsgi)."""

from django.core.wsgi import get_wsgi_application

from common.env import use_project_settings

# The environment and .env, then the one rule for the settings module.
use_project_settings("games_project")

application = get_wsgi_application()
