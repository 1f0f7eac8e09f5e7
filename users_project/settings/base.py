"""The users service: accounts, JWT login, read history."""

from datetime import timedelta

from common.celery import every
from common.env import env
from common.logging import build_logging_config
from common.settings import *  # noqa: F403
from common.settings import SHARED_APPS, database, redis_cache

SERVICE_NAME = "users"
ROOT_URLCONF = "users_project.urls"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    *SHARED_APPS,
    # Records refresh tokens, so each is spent on use and can be revoked (accounts/tokens.py).
    "rest_framework_simplejwt.token_blacklist",
    "users_project.accounts",
]

# Written out whole, as the games service's: the order is the behaviour.
MIDDLEWARE = [
    # First, so even errors raised by later middleware carry the request id.
    "common.api.middleware.RequestIdMiddleware",
    # Before the host and HTTPS checks: Prometheus scrapes by pod address.
    "common.metrics.MetricsMiddleware",
    # The admin: its session, CSRF checks, user and messages.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "common.api.middleware.BodySizeLimitMiddleware",
    # A database outage, and domain errors from views outside DRF, in the one error shape.
    "common.api.middleware.ErrorAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, browsable API, Swagger UI) straight from gunicorn.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

DATABASES = {
    "default": database("USERS_DATABASE_URL", default="postgres://users:users@127.0.0.1:5432/users")
}
CACHES = redis_cache(REDIS_URL, key_prefix=env.str("USERS_CACHE_KEY_PREFIX", default="users"))

AUTH_USER_MODEL = "accounts.User"
# The admin's session. Cookies on one host are shared between ports (and
# between services behind one domain): a name of its own.
SESSION_COOKIE_NAME = "users_sessionid"
PASSWORD_HASHERS = [
    "users_project.accounts.hashers.BudgetedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# OWASP's 46 MiB choice, freed after each hash unlike smaller ones: docs/security.md.
PASSWORD_HASH_MEMORY_KIB = env.int("PASSWORD_HASH_MEMORY_KIB", default=46 * 1024)
PASSWORD_HASH_TIME_COST = env.int("PASSWORD_HASH_TIME_COST", default=1)
PASSWORD_HASH_PARALLELISM = env.int("PASSWORD_HASH_PARALLELISM", default=1)
# Hashes at once per process, and how long one more waits before a 503.
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", default=2)
PASSWORD_HASH_WAIT_SECONDS = env.float("PASSWORD_HASH_WAIT_SECONDS", default=5.0)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# -- JWT (RS256; the games service verifies with /.well-known/jwks.json) -----
# PEM text of the RSA signing key; without it, local and test settings
# generate one in .local/secrets/, production refuses to start.
JWT_PRIVATE_KEY = env.str("JWT_PRIVATE_KEY", default="", multiline=True)
JWT_GENERATE_DEVELOPMENT_KEY = False
# Signing, its algorithm, audience and issuer: accounts.tokens.token_backend.
SIMPLE_JWT = {
    "USER_ID_CLAIM": "sub",
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=1)),
    "AUTH_TOKEN_CLASSES": ("users_project.accounts.tokens.AccessToken",),
}

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users_project.accounts.authentication.JWTAuthentication",
        # The browsable API, after logging in at /api-auth/login/.
        "users_project.accounts.authentication.JWTCookieAuthentication",
        # The browsable API, after logging in to the admin.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Who spends each bucket: accounts/throttles.py.
    "DEFAULT_THROTTLE_RATES": {
        "login_email": env.str("LOGIN_RATE_PER_EMAIL", default="5/min"),
        "login_address": env.str("LOGIN_RATE_PER_ADDRESS", default="20/min"),
        "login_account_failures": env.str("LOGIN_FAILURE_RATE_PER_ACCOUNT", default="50/hour"),
        "refresh_address": env.str("REFRESH_RATE_PER_ADDRESS", default="60/min"),
        "current_password": env.str("CURRENT_PASSWORD_RATE", default="5/hour"),
        "register_address": env.str("REGISTRATION_RATE_PER_ADDRESS", default="10/hour"),
    },
}

# -- Celery (the shared CELERY_* settings: common/settings.py) ---------------
# A queue of its own: the games service's workers share this Redis.
CELERY_TASK_DEFAULT_QUEUE = env.str("USERS_CELERY_QUEUE", default="users")
CELERY_BEAT_SCHEDULE = {
    "flush-expired-tokens": every(
        env.int("TOKEN_FLUSH_INTERVAL_SECONDS", default=3600),
        "users_project.accounts.tasks.flush_expired_tokens",
    ),
}

KAFKA_CONSUMERS = "users_project.consumers.CONSUMERS"

SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "Users service",
    "DESCRIPTION": "User accounts, JWT login and each user's history of games read.",
    # The session login serves only the browsable API and the admin.
    "AUTHENTICATION_WHITELIST": ["users_project.accounts.authentication.JWTAuthentication"],
}

LOGGING = build_logging_config(service=SERVICE_NAME, fmt=LOG_FORMAT, level=LOG_LEVEL)
