"""Production: every secret from the environment, JSON logs, HTTPS only
(common/settings_production.py), /metrics for internal scrapers only."""

from common.settings import secret_key
from common.settings_production import *  # noqa: F403
from common.settings_production import production_settings

from .base import *  # noqa: F403

# After base, whose values these replace (DEBUG, logs, static files).
globals().update(production_settings(SERVICE_NAME))
SECRET_KEY = secret_key("GAMES_DJANGO_SECRET_KEY", generated=False)
