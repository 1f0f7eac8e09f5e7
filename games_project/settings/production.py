"""Production: every secret from the environment, JSON logs, secure cookies."""

from common.env import LOCAL_DIR, env
from common.logging import build_logging_config

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.str("GAMES_DJANGO_SECRET_KEY")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = build_logging_config(service=SERVICE_NAME, fmt=LOG_FORMAT, level=LOG_LEVEL)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=False)
STATIC_ROOT = env.str("STATIC_ROOT", default=str(LOCAL_DIR / "static" / SERVICE_NAME))
