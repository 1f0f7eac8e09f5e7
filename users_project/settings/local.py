"""Development: debug on, readable logs, a generated secret key."""

from common.env import development_secret, env

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("USERS_DJANGO_SECRET_KEY", default="") or development_secret(
    "users-django-secret-key"
)
JWT_GENERATE_DEVELOPMENT_KEY = True
