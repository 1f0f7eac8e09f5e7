from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("common.api.urls")),
]

handler400 = "common.api.errors.json_bad_request"
handler403 = "common.api.errors.json_permission_denied"
handler404 = "common.api.errors.json_not_found"
handler500 = "common.api.errors.json_server_error"
