from __future__ import annotations

from django.db import models


class ProcessedEvent(models.Model):
    """An event a consumer has handled, written in the transaction of the
    handler's effects: an effect exists exactly when its row does."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "common"
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="inbox_once_per_consumer")
        ]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_type} {self.event_id}"
