"""Baseline for the write path (goal 5): a minimal Django app whose one view,
`POST /games/` with a JSON body `{"game_id": N}`, inserts one row in one
transaction into a small table of its own and answers 202 with the row's id.

The table (`bench_insert`: a bigserial id, the game id, a `now()` timestamp)
is created by `make bench` in its games database. No middleware, no
authentication, no serializer, no outbox row: what a newcomer's first
version of "record something" costs under the same gunicorn settings, with
the same database connection settings as the services (`DB_CONN_MAX_AGE`).
"""

import json
import os

import django
import environ
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

settings.configure(
    DEBUG=False,
    SECRET_KEY="baseline-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={
        "default": {
            **environ.Env.db_url_config(os.environ["GAMES_DATABASE_URL"]),
            "CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
        }
    },
)
django.setup()


@require_POST
def record(request: HttpRequest) -> JsonResponse:
    game_id = int(json.loads(request.body)["game_id"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (game_id) VALUES (%s) RETURNING id", [game_id])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=202)


urlpatterns = [path("games/", record)]
application = get_wsgi_application()
