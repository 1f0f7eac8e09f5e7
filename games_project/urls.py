from django.urls import include, path

from common.api.browser import LogoutView
from common.api.routers import OptionalSlashRouter
from common.urls import handler400, handler403, handler404, handler500  # noqa: F401
from games_project.catalog.views import GameViewSet
from games_project.identity.authentication import login_at_users

router = OptionalSlashRouter()
router.register("games", GameViewSet, basename="game")

# The browsable API's "Log in" / "Log out" links look for these names.
browser_auth = [
    path("login/", login_at_users, name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("api-auth/", include((browser_auth, "rest_framework"))),
    path("", include("common.urls")),
    path("", include(router.urls)),
]
