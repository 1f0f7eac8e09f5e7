"""An admin page: the outbox backlog and dead letters (``manage_users.py status``)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from kafka.errors import KafkaError

from common.ops.status import dead_letter_counts, outbox_backlog
from common.ops.text import format_age


@require_GET
def ops_status_view(request: HttpRequest) -> HttpResponse:
    pending, oldest = outbox_backlog()
    try:
        dead_letters, kafka_error = dead_letter_counts(), ""
    except KafkaError as exc:
        dead_letters, kafka_error = [], f"Kafka did not answer: {type(exc).__name__}"
    context = {
        **admin.site.each_context(request),
        "title": "Event flow",
        "outbox_pending": pending,
        "outbox_oldest_age": format_age(oldest),
        "dead_letters": dead_letters,
        "kafka_error": kafka_error,
    }
    return TemplateResponse(request, "admin/ops_status.html", context)
