"""WSGI entry point of the users service (gunicorn users_project.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from common.env import load_dotenv

# The environment, completed by .env at the repository root when present.
load_dotenv()

os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get(
    "USERS_DJANGO_SETTINGS_MODULE", "users_project.settings.production"
)

application = get_wsgi_application()
