"""The games service: catalog from the external API, reads, users projection."""

from common.celery import every
from common.env import env
from common.logging import build_logging_config
from common.settings import *  # noqa: F403
from common.settings import SHARED_APPS, database, redis_cache

SERVICE_NAME = "games"
ROOT_URLCONF = "games_project.urls"

INSTALLED_APPS = [
    *SHARED_APPS,
    "games_project.catalog",
    "games_project.players",
]
# Written out whole, as the users service's: the order is the behaviour.
MIDDLEWARE = [
    # First, so even errors raised by later middleware carry the request id.
    "common.api.middleware.RequestIdMiddleware",
    # Before the host and HTTPS checks: Prometheus scrapes by pod address.
    "common.metrics.MetricsMiddleware",
    # A fresh cached game detail: counted and logged by the above, answered before URLs and DRF.
    "games_project.catalog.edge.CachedGameDetailMiddleware",
    "common.api.middleware.BodySizeLimitMiddleware",
    "common.api.middleware.ErrorAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # For the browser's forms: logout, and writes authenticated by the access cookie.
    "django.middleware.csrf.CsrfViewMiddleware",
]

DATABASES = {
    "default": database("GAMES_DATABASE_URL", default="postgres://games:games@127.0.0.1:5432/games")
}
CACHES = redis_cache(REDIS_URL, key_prefix=env.str("GAMES_CACHE_KEY_PREFIX", default="games"))

# -- The external games API (FreeToGame, or the stand-in on 127.0.0.1:8009) --
GAMES_API_BASE_URL = env.str("GAMES_API_BASE_URL", default="https://www.freetogame.com/api")
GAMES_API_CONNECT_TIMEOUT = env.float("GAMES_API_CONNECT_TIMEOUT", default=2.0)
GAMES_API_READ_TIMEOUT = env.float("GAMES_API_READ_TIMEOUT", default=5.0)
GAMES_API_MAX_ATTEMPTS = env.int("GAMES_API_MAX_ATTEMPTS", default=3)
# For every process together (through Redis); FreeToGame asks for under 10/s.
GAMES_API_RATE_PER_SECOND = env.int("GAMES_API_RATE_PER_SECOND", default=4)
GAMES_API_SLOT_WAIT_SECONDS = env.float("GAMES_API_SLOT_WAIT_SECONDS", default=2.0)
GAMES_API_BREAKER_THRESHOLD = env.int("GAMES_API_BREAKER_THRESHOLD", default=5)
GAMES_API_BREAKER_RESET_SECONDS = env.float("GAMES_API_BREAKER_RESET_SECONDS", default=30.0)
GAMES_API_USER_AGENT = env.str(
    "GAMES_API_USER_AGENT", default="games-users-event-driven/1.0 (games service)"
)

# -- Catalog cache: fresh, then served stale while one refresh runs ----------
GAMES_CACHE_FRESH_SECONDS = env.int("GAMES_CACHE_FRESH_SECONDS", default=300)
GAMES_CACHE_STALE_SECONDS = env.int("GAMES_CACHE_STALE_SECONDS", default=3600)
GAMES_CACHE_KEEP_SECONDS = env.int("GAMES_CACHE_KEEP_SECONDS", default=86400)
GAMES_CACHE_NEGATIVE_SECONDS = env.int("GAMES_CACHE_NEGATIVE_SECONDS", default=300)
# Upstream fills at once per web process; one more miss is a 503 at once,
# so threads stay free for hits and probes.
GAMES_CACHE_MAX_CONCURRENT_FILLS = env.int("GAMES_CACHE_MAX_CONCURRENT_FILLS", default=2)
GAMES_CACHE_LOCAL_SECONDS = env.float("GAMES_CACHE_LOCAL_SECONDS", default=1.0)

# -- Tokens from the users service --------------------------------------------
USERS_JWKS_URL = env.str("USERS_JWKS_URL", default="http://127.0.0.1:8001/.well-known/jwks.json")
JWKS_CACHE_SECONDS = env.int("JWKS_CACHE_SECONDS", default=300)
JWKS_MIN_REFETCH_SECONDS = env.int("JWKS_MIN_REFETCH_SECONDS", default=10)

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "games_project.identity.authentication.JWKSAuthentication",
        "games_project.identity.authentication.JWKSCookieAuthentication",
    ],
    "UNAUTHENTICATED_USER": None,
    # Who spends each bucket: the throttles in catalog/views.py.
    "DEFAULT_THROTTLE_RATES": {
        "read_record": env.str("READ_RECORD_RATE_PER_USER", default="60/min"),
        "catalog_miss": env.str("CATALOG_MISS_RATE_PER_ADDRESS", default="60/min"),
    },
}

# -- Celery (the shared CELERY_* settings: common/settings.py) ---------------
# A queue of its own: the users service's workers share this Redis.
CELERY_TASK_DEFAULT_QUEUE = env.str("GAMES_CELERY_QUEUE", default="games")
# Refresh what is read most before it goes stale.
CELERY_BEAT_SCHEDULE = {
    "refresh-full-catalog": every(
        GAMES_CACHE_FRESH_SECONDS * 0.8, "games_project.catalog.tasks.refresh_game_list"
    ),
    "refresh-most-read-games": every(
        GAMES_CACHE_FRESH_SECONDS * 0.8,
        "games_project.catalog.tasks.refresh_most_read_games",
        limit=50,
    ),
}

KAFKA_CONSUMERS = "games_project.consumers.CONSUMERS"
READINESS_CHECKS = {**READINESS_CHECKS, "redis": "common.api.health.check_redis"}

SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "Games service",
    "DESCRIPTION": "Free-to-play games catalog (data from FreeToGame) and reads by users.",
}

LOGGING = build_logging_config(service=SERVICE_NAME, fmt=LOG_FORMAT, level=LOG_LEVEL)
