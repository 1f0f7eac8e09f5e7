"""Settings both projects share; each ``<project>/settings/base.py`` starts
with ``from common.settings import *`` and adds its own.

Every value comes from the environment (read once, through ``common.env``)
with a default that works with the services ``make services`` starts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from common.env import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SHARED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's assets served locally, not from a CDN (offline machines).
    "drf_spectacular_sidecar",
    "common",
]

SHARED_MIDDLEWARE = [
    # First, so even errors raised by later middleware carry the request id.
    "common.api.middleware.RequestIdMiddleware",
    "common.metrics.RequestMetricsMiddleware",
    "common.api.middleware.BodySizeLimitMiddleware",
    "common.api.middleware.DatabaseUnavailableMiddleware",
    # Domain errors from views outside DRF, answered from the one mapping.
    "common.api.middleware.DomainErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, browsable API, Swagger UI) straight from gunicorn.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATIC_URL = "static/"
# Development serves static files from the apps (no collectstatic needed);
# production images run collectstatic into STATIC_ROOT.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)

# Paths answer with and without the trailing slash: routers make the slash
# optional, so no redirect (which would drop a POST body) is needed.
APPEND_SLASH = False

# /readyz answers from this process's last result for this long.
READYZ_CACHE_SECONDS = env.float("READYZ_CACHE_SECONDS", default=1.5)

# Request bodies over 1 MiB are refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024


# -- PostgreSQL ----------------------------------------------------------------
def database(variable: str, *, default: str) -> dict[str, Any]:
    """One project's database, from the URL in ``variable``."""
    return {
        **env.db(variable, default=default),
        "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=60),
        # Reconnect after a database restart instead of failing every request.
        "CONN_HEALTH_CHECKS": True,
    }


# -- Redis -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")


def redis_cache(location: str, *, key_prefix: str) -> dict[str, Any]:
    return {
        # Per-process fallback for what must keep working while Redis is away.
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        },
    }


# -- Kafka and the outbox ----------------------------------------------------
KAFKA_BOOTSTRAP_SERVERS = env.list("KAFKA_BOOTSTRAP_SERVERS", default=["127.0.0.1:9092"])
# Prepended to every topic and consumer group name: lets a second copy of the
# system (the end-to-end tests) share a broker without sharing its streams.
KAFKA_TOPIC_PREFIX = env.str("KAFKA_TOPIC_PREFIX", default="")
KAFKA_TOPIC_PARTITIONS = env.int("KAFKA_TOPIC_PARTITIONS", default=6)
KAFKA_REPLICATION_FACTOR = env.int("KAFKA_REPLICATION_FACTOR", default=1)
# How long a send may block while the broker is away before the relay backs off.
KAFKA_PRODUCER_MAX_BLOCK_MS = env.int("KAFKA_PRODUCER_MAX_BLOCK_MS", default=5_000)
KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS = env.int("KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS", default=30_000)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=200)
OUTBOX_RETENTION_HOURS = env.int("OUTBOX_RETENTION_HOURS", default=24)
# Pause between relay polls that found nothing to publish.
# An idle relay sleeps until NOTIFY (common/outbox/wakeup.py); it also looks
# this often for rows no notification announces (expired leases, backoffs).
OUTBOX_SAFETY_POLL_SECONDS = env.float("OUTBOX_SAFETY_POLL_SECONDS", default=2.0)

# -- Metrics -----------------------------------------------------------------
# Where consumers and relays serve /metrics (--metrics-port). Loopback on one
# machine; 0.0.0.0 in a pod, so the kubelet's probes and Prometheus reach it.
METRICS_BIND_ADDRESS = env.str("METRICS_BIND_ADDRESS", default="127.0.0.1")

# -- Logging -----------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="console")  # console | json
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")

# -- API ---------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["common.api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "common.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# -- Browsers (common/api/browser.py) ----------------------------------------
# The cookie carrying the access token after logging in at /api-auth/login/;
# both services read it. Set the domain when the services live on sibling
# subdomains; on one host (127.0.0.1, or one domain) leave it empty.
ACCESS_COOKIE_NAME = env.str("ACCESS_COOKIE_NAME", default="api_access")
ACCESS_COOKIE_DOMAIN = env.str("ACCESS_COOKIE_DOMAIN", default="") or None
# Public addresses of the two services, for the links between their pages.
USERS_URL = env.str("USERS_URL", default="http://127.0.0.1:8001")
GAMES_URL = env.str("GAMES_URL", default="http://127.0.0.1:8002")
# Where a login or logout may send the browser back to: either service.
BROWSER_NEXT_HOSTS = [urlsplit(USERS_URL).netloc, urlsplit(GAMES_URL).netloc]

SPECTACULAR_SETTINGS: dict[str, Any] = {
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The documents are public: they never look at an Authorization header.
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.schema.closed_request_bodies",
    ],
}
