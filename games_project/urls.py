from django.urls import include, path

from common.api.routers import OptionalSlashRouter
from common.api.urls import handler400, handler403, handler404, handler500  # noqa: F401
from games_project.catalog.views import GameViewSet

router = OptionalSlashRouter()
router.register("games", GameViewSet, basename="game")

urlpatterns = [
    path("", include("common.api.urls")),
    path("", include(router.urls)),
]
