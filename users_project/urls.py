from django.contrib import admin
from django.urls import include, path, re_path

from common.api.routers import OptionalSlashRouter
from common.api.urls import handler400, handler403, handler404, handler500  # noqa: F401
from users_project.accounts import views
from users_project.accounts.admin_login import throttled_admin_login

router = OptionalSlashRouter()
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    # Before admin.site.urls, which would answer it unthrottled.
    path("admin/login/", throttled_admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="token-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="logout"),
    re_path(r"^auth/auth-test/?$", views.AuthTestView.as_view(), name="auth-test"),
    re_path(r"^\.well-known/jwks\.json$", views.JWKSView.as_view(), name="jwks"),
    path("", include("common.api.urls")),
    path("", include(router.urls)),
]
