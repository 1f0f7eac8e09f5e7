"""WSGI entry point of the users service (gunicorn users_project.wsgi)."""

from django.core.wsgi import get_wsgi_application

from common.env import use_project_settings

use_project_settings("users_project")

application = get_wsgi_application()
