"""Development: debug on, readable logs, a generated secret key."""

from common.env import env
from common.settings import secret_key

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = secret_key("GAMES_DJANGO_SECRET_KEY")
