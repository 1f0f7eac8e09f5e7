"""The users service: accounts, JWT login, read history."""

from common.env import env
from common.logging import build_logging_config
from common.settings import *  # noqa: F403
from common.settings import SHARED_APPS, SHARED_MIDDLEWARE, redis_cache

SERVICE_NAME = "users"
ROOT_URLCONF = "users_project.urls"
WSGI_APPLICATION = "users_project.wsgi.application"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    *SHARED_APPS,
    "users_project.accounts",
]

MIDDLEWARE = [
    *SHARED_MIDDLEWARE[:3],
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    *SHARED_MIDDLEWARE[3:],
]

DATABASES = {
    "default": {
        **env.db("USERS_DATABASE_URL", default="postgres://users:users@127.0.0.1:5432/users"),
        "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=60),
        # Reconnect after a database restart instead of failing every request.
        "CONN_HEALTH_CHECKS": True,
    }
}
CACHES = redis_cache(REDIS_URL, key_prefix="users")

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

KAFKA_CONSUMERS = "users_project.consumers.CONSUMERS"
READINESS_CHECKS = {
    "database": "common.api.health.check_database",
    "kafka": "common.api.health.check_kafka",
}

SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "Users service",
    "DESCRIPTION": "User accounts, JWT login and each user's history of games read.",
}

LOGGING = build_logging_config(service=SERVICE_NAME, fmt=LOG_FORMAT, level=LOG_LEVEL)
