from django.urls import include, path

from common.api.routers import OptionalSlashRouter
from games_project.catalog.views import GameViewSet

router = OptionalSlashRouter()
router.register("games", GameViewSet, basename="game")

urlpatterns = [
    path("", include("common.api.urls")),
    path("", include(router.urls)),
]

handler400 = "common.api.errors.json_bad_request"
handler403 = "common.api.errors.json_permission_denied"
handler404 = "common.api.errors.json_not_found"
handler500 = "common.api.errors.json_server_error"
