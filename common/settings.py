"""Settings both projects' ``settings/base.py`` star-import, from the
environment, with defaults that work with what ``make services`` starts
(each variable: docs/configuration.md)."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from common.env import development_secret, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

TIME_ZONE = "UTC"
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

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
# Development serves static files from the apps; production collects them.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
STATIC_ROOT = env.str("STATIC_ROOT", default="") or None

# Paths answer with and without the trailing slash: routers make the slash
# optional, so no redirect (which would drop a POST body) is needed.
APPEND_SLASH = False

READYZ_CACHE_SECONDS = env.float("READYZ_CACHE_SECONDS", default=1.5)

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024


def secret_key(variable: str) -> str:
    """Development and tests: the secret key in ``variable``, else one made in
    ``.local/secrets/`` (production requires the variable)."""
    return env.str(variable, default="") or development_secret(variable.lower().replace("_", "-"))


# -- PostgreSQL ----------------------------------------------------------------
def database(variable: str, *, default: str) -> dict[str, Any]:
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
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # JSON, never pickle: whoever can write a key in Redis plants
                # data, not code that runs when the key is read.
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        },
    }


# -- Celery (common/celery.py; each project sets its queue and beat schedule) --
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False


# -- Kafka and the outbox ----------------------------------------------------
KAFKA_BOOTSTRAP_SERVERS = env.list("KAFKA_BOOTSTRAP_SERVERS", default=["127.0.0.1:9092"])
KAFKA_TOPIC_PREFIX = env.str("KAFKA_TOPIC_PREFIX", default="")
KAFKA_TOPIC_PARTITIONS = env.int("KAFKA_TOPIC_PARTITIONS", default=6)
KAFKA_REPLICATION_FACTOR = env.int("KAFKA_REPLICATION_FACTOR", default=1)
KAFKA_SECURITY_PROTOCOL = env.str("KAFKA_SECURITY_PROTOCOL", default="PLAINTEXT")
KAFKA_SASL_MECHANISM = env.str("KAFKA_SASL_MECHANISM", default="SCRAM-SHA-512")
KAFKA_SASL_USERNAME = env.str("KAFKA_SASL_USERNAME", default="")
KAFKA_SASL_PASSWORD = env.str("KAFKA_SASL_PASSWORD", default="")
KAFKA_SSL_CAFILE = env.str("KAFKA_SSL_CAFILE", default="")
KAFKA_PRODUCER_MAX_BLOCK_MS = env.int("KAFKA_PRODUCER_MAX_BLOCK_MS", default=5_000)
KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS = env.int("KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS", default=30_000)
CONSUMER_DLQ_MAX_CONSECUTIVE = env.int("CONSUMER_DLQ_MAX_CONSECUTIVE", default=50)
CONSUMER_DLQ_MAX_RATIO = env.float("CONSUMER_DLQ_MAX_RATIO", default=0.5)
CONSUMER_DLQ_RATIO_WINDOW = env.int("CONSUMER_DLQ_RATIO_WINDOW", default=1000)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=200)
OUTBOX_RETENTION_HOURS = env.int("OUTBOX_RETENTION_HOURS", default=24)
OUTBOX_SAFETY_POLL_SECONDS = env.float("OUTBOX_SAFETY_POLL_SECONDS", default=2.0)

# -- Metrics -----------------------------------------------------------------
METRICS_BIND_ADDRESS = env.str("METRICS_BIND_ADDRESS", default="127.0.0.1")
WEB_METRICS_PORT = env.int("WEB_METRICS_PORT", default=0)

# -- Logging -----------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="console")  # console | json
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")


# -- API ---------------------------------------------------------------------
def networks(variable: str, *, default: list[str]) -> list[str]:
    """The CIDRs in ``variable``, parsed here so that a typo stops the start-up."""
    cidrs = env.list(variable, default=default)
    return [str(ipaddress.ip_network(cidr, strict=False)) for cidr in cidrs]


TRUSTED_PROXY_NETWORKS = networks("TRUSTED_PROXY_NETWORKS", default=[])
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "common.api.browser.FormsBrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["common.api.serializers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "common.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

JWT_ISSUER = env.str("JWT_ISSUER", default="users-service")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="games-users")
READINESS_CHECKS = {
    "database": "common.api.health.check_database",
    "kafka": "common.api.health.check_kafka",
}

# -- Browsers (common/api/browser.py) ----------------------------------------
ACCESS_COOKIE_NAME = env.str("ACCESS_COOKIE_NAME", default="api_access")
ACCESS_COOKIE_DOMAIN = env.str("ACCESS_COOKIE_DOMAIN", default="") or None
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
    # The documents are public: they never look at an Authorization header.
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.serializers.closed_request_bodies",
    ],
}
