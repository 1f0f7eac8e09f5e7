"""Production: every secret from the environment, JSON logs, HTTPS only
(common/settings_production.py), /metrics for internal scrapers only."""

from common.settings_production import *  # noqa: F403
from common.settings_production import production_settings

from .base import *  # noqa: F403

# After base: the secret key, and the values these replace (DEBUG, logs, ...).
globals().update(production_settings(SERVICE_NAME))
