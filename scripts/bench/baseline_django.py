"""Baseline (a): a minimal Django app whose one view returns the same bytes
straight from Redis (one GET, no middleware, no DRF, no rendering)."""

import os

import django
import redis
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

KEY = os.environ.get("BENCH_REDIS_KEY", "bench:game-body")
settings.configure(
    DEBUG=False,
    SECRET_KEY="baseline-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
django.setup()
_redis = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


def game(request: HttpRequest, game_id: int) -> HttpResponse:
    return HttpResponse(_redis.get(KEY), content_type="application/json")


urlpatterns = [path("games/<int:game_id>/", game)]
application = get_wsgi_application()
