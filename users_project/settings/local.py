"""Development: debug on, readable logs, a generated secret key."""

from common.env import env
from common.settings import secret_key

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = secret_key("USERS_DJANGO_SECRET_KEY")
JWT_GENERATE_DEVELOPMENT_KEY = True

# One person trying things from one address all afternoon (the demo, the quickstart):
# generous per-address limits; the per-account bucket stays strict.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "login_address": env.str("LOGIN_RATE_PER_ADDRESS", default="1000/min"),
        "register_address": env.str("REGISTRATION_RATE_PER_ADDRESS", default="1000/hour"),
    },
}
