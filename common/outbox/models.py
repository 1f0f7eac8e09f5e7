from __future__ import annotations

from django.db import models


class OutboxEvent(models.Model):
    """An event waiting to be published, written in the transaction of the
    change it reports. ``available_at`` is both a relay's lease and a failed
    publish's backoff."""

    # The bigserial id orders publishing. The event id (consumers dedupe on
    # it) is not unique here: no query looks a row up by it, and an index costs every write.
    event_id = models.UUIDField(editable=False)
    topic = models.CharField(max_length=249)
    key = models.CharField(max_length=255)
    payload = models.JSONField()
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        app_label = "common"
        indexes = [
            # The relay's claim query: pending rows whose lease/backoff ran out.
            models.Index(
                fields=["available_at", "id"],
                name="outbox_pending_idx",
                condition=models.Q(sent_at__isnull=True),
            ),
            models.Index(
                fields=["sent_at"],
                name="outbox_sent_idx",
                condition=models.Q(sent_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "pending"
        return f"{self.topic} {self.event_id} ({state})"
