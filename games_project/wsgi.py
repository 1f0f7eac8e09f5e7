"""WSGI entry point of the games service (gunicorn games_project.wsgi)."""

from django.core.wsgi import get_wsgi_application

from common.env import use_project_settings

use_project_settings("games_project")

application = get_wsgi_application()
