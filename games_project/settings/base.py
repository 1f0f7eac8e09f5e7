"""The games service: catalog from the external API, reads, users projection."""

from common.env import env
from common.logging import build_logging_config
from common.settings import *  # noqa: F403
from common.settings import SHARED_APPS, SHARED_MIDDLEWARE, redis_cache

SERVICE_NAME = "games"
ROOT_URLCONF = "games_project.urls"
WSGI_APPLICATION = "games_project.wsgi.application"

INSTALLED_APPS = [*SHARED_APPS]
MIDDLEWARE = [*SHARED_MIDDLEWARE]

DATABASES = {
    "default": {
        **env.db("GAMES_DATABASE_URL", default="postgres://games:games@127.0.0.1:5432/games"),
        "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
    }
}
CACHES = redis_cache(REDIS_URL, key_prefix="games")

# -- Celery (read by games_project/celery.py with the CELERY_ namespace) ----
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
# A queue of its own, so workers of another project sharing this Redis never
# take these tasks.
CELERY_TASK_DEFAULT_QUEUE = "games"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

KAFKA_CONSUMERS = "games_project.consumers.CONSUMERS"
READINESS_CHECKS = {
    "database": "common.api.health.check_database",
    "kafka": "common.api.health.check_kafka",
    "redis": "common.api.health.check_redis",
}

SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "Games service",
    "DESCRIPTION": "Free-to-play games catalog (data from FreeToGame) and reads by users.",
}

LOGGING = build_logging_config(service=SERVICE_NAME, fmt=LOG_FORMAT, level=LOG_LEVEL)
