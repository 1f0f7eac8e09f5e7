"""Production: every secret from the environment, JSON logs, HTTPS only
(common/settings_production.py), /metrics for internal scrapers only."""

from common.env import LOCAL_DIR, env
from common.logging import build_logging_config
from common.settings_production import *  # noqa: F403

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.str("USERS_DJANGO_SECRET_KEY")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = build_logging_config(service=SERVICE_NAME, fmt=LOG_FORMAT, level=LOG_LEVEL)
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=False)
STATIC_ROOT = env.str("STATIC_ROOT", default=str(LOCAL_DIR / "static" / SERVICE_NAME))
