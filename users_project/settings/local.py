"""Development: debug on, readable logs, a generated secret key."""

from common.env import env
from common.settings import secret_key

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = secret_key("USERS_DJANGO_SECRET_KEY", generated=True)
JWT_GENERATE_DEVELOPMENT_KEY = True

# `make run`, `make demo`, the quickstart and the browser forms are one person
# trying things all afternoon from one address, not a brute-forcer: generous
# per-address login and registration limits (tests/e2e/test_local_runs.py runs
# the demo again and again). The per-account login bucket stays strict: it
# guards each account, and trying things uses a new account each time. The
# variables still win; tests and production keep base's strict defaults.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "login_address": env.str("LOGIN_RATE_PER_ADDRESS", default="1000/min"),
        "register_address": env.str("REGISTRATION_RATE_PER_ADDRESS", default="1000/hour"),
    },
}
