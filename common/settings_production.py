"""What both projects' ``settings/production.py`` change: the security
settings below (names no base sets, star-imported), and
``production_settings``, for names a base does set."""

from __future__ import annotations

from typing import Any

from common import settings as common_settings
from common.env import LOCAL_DIR, env
from common.logging import build_logging_config

# Exempt from the HTTPS redirect: what is reached over plain HTTP inside the
# cluster (probes, metrics, the JWKS document the games service fetches).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [
    r"^healthz/?$",
    r"^readyz/?$",
    r"^metrics/?$",
    r"^metrics/ops/?$",
    r"^\.well-known/jwks\.json$",
]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Only behind a proxy that sets X-Forwarded-Proto and strips the client's own.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False)
    else None
)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# /metrics answers only direct requests (no proxy) from these networks.
METRICS_ALLOWED_NETWORKS = common_settings.networks(
    "METRICS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)


def production_settings(service: str) -> dict[str, Any]:
    log_format = env.str("LOG_FORMAT", default="json")
    return {
        "DEBUG": False,
        "SECRET_KEY": env.str(f"{service.upper()}_DJANGO_SECRET_KEY"),
        "LOG_FORMAT": log_format,
        "LOGGING": build_logging_config(
            service=service, fmt=log_format, level=common_settings.LOG_LEVEL
        ),
        "WHITENOISE_USE_FINDERS": env.bool("WHITENOISE_USE_FINDERS", default=False),
        "STATIC_ROOT": env.str("STATIC_ROOT", default=str(LOCAL_DIR / "static" / service)),
    }
