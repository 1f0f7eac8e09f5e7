"""Baseline (c): the same endpoint written the way most DRF code would: an
``APIView`` with DRF's default renderers and authentication, its ``get``
wrapped in Django's ``cache_page`` over django-redis, and Django's usual
middleware. The view reads the game from Redis; ``cache_page`` then serves
its rendered response from Redis for five minutes."""

import json
import os

import django
import redis
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_page

KEY = os.environ.get("BENCH_REDIS_KEY", "bench:game-body")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
settings.configure(
    DEBUG=False,
    SECRET_KEY="baseline-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": KEY,
        }
    },
)
django.setup()

from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

_redis = redis.Redis.from_url(REDIS_URL)


class GameView(APIView):
    @method_decorator(cache_page(300))
    def get(self, request: Request, game_id: int) -> Response:
        return Response(json.loads(_redis.get(KEY)))


urlpatterns = [path("games/<int:game_id>/", GameView.as_view())]
application = get_wsgi_application()
