from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from common.api.browser import LogoutView
from common.api.routers import OptionalSlashRouter
from common.urls import handler400, handler403, handler404, handler500  # noqa: F401
from users_project.accounts import views
from users_project.accounts.admin import ops_status_view, throttled_admin_login
from users_project.accounts.browser import LoginView

router = OptionalSlashRouter()
router.register("users", views.UserViewSet, basename="user")

# The browsable API's "Log in" / "Log out" links look for these names.
browser_auth = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    # Before admin.site.urls, which would answer the first with a 404, the second unthrottled.
    path("admin/ops/", admin.site.admin_view(ops_status_view), name="admin-ops"),
    path("admin/login/", throttled_admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    # The admin is a set of pages under one folder: the bare path redirects
    # (a browser GET, so no body can be lost), unlike the API's optional slash.
    re_path(r"^admin$", RedirectView.as_view(url="/admin/", permanent=True)),
    path("api-auth/", include((browser_auth, "rest_framework"))),
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="token-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="logout"),
    re_path(r"^auth/auth-test/?$", views.AuthTestView.as_view(), name="auth-test"),
    re_path(r"^\.well-known/jwks\.json$", views.JWKSView.as_view(), name="jwks"),
    path("", include("common.urls")),
    path("", include(router.urls)),
]
