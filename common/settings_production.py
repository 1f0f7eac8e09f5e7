"""Security settings both projects' ``settings/production.py`` import.
None of these names is set by ``common.settings`` or a ``base.py``, so the
order of the star imports does not matter.

Each is settable from the environment, because what is right depends on what
stands in front of the service (a TLS-terminating proxy or not)."""

from __future__ import annotations

from common.env import env

# Plain HTTP is redirected to HTTPS. Exempt: what is reached over plain HTTP
# inside the cluster: the probes (kubelets), both metrics pages (Prometheus,
# and they answer only internal networks) and the JWKS document (the games
# service fetches the users service's public keys from its Service).
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
# Only when a proxy in front sets X-Forwarded-Proto and strips the client's
# own: otherwise any client could claim its plain request was HTTPS.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False)
    else None
)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# /metrics answers only requests from these networks that came through no
# proxy (no X-Forwarded-For): a scraper inside the cluster, not the public.
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)
