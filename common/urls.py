"""URL patterns both services serve: probes, metrics, the OpenAPI and
AsyncAPI documents (above common.api, metrics and ops: no import cycles)."""

from django.urls import re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from common.api.health import HealthzView, ReadyzView
from common.asyncapi import asyncapi_view
from common.metrics import metrics_view

urlpatterns = [
    re_path(r"^healthz/?$", HealthzView.as_view(), name="healthz"),
    re_path(r"^readyz/?$", ReadyzView.as_view(), name="readyz"),
    re_path(r"^metrics/?$", metrics_view, name="metrics"),
    re_path(r"^metrics/ops/?$", metrics_view, {"ops": True}, name="metrics-ops"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^api/asyncapi\.json$", asyncapi_view, name="asyncapi"),
]

# Django's own error pages answer in the API's JSON error shape. Each project's
# root URLconf imports these names (Django looks them up there).
handler400 = "common.api.errors.json_bad_request"
handler403 = "common.api.errors.json_permission_denied"
handler404 = "common.api.errors.json_not_found"
handler500 = "common.api.errors.json_server_error"
