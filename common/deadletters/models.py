from __future__ import annotations

from django.db import models


class DeadLetterAction(models.Model):
    """What an operator did with one dead letter (named by where it sits,
    ``<dlq topic>:<partition>:<offset>``). Kafka cannot delete one record, so
    a purge is recorded here and retention drops the record later."""

    class Kind(models.TextChoices):
        REPLAYED = "replayed"
        PURGED = "purged"

    dlq_topic = models.CharField(max_length=249)
    partition = models.PositiveIntegerField()
    offset = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=Kind.choices)
    event_id = models.UUIDField(null=True, blank=True)
    performed_by = models.CharField(max_length=150)
    performed_at = models.DateTimeField(auto_now_add=True)
    # Where a replay was written (topic:partition:offset), or why a purge.
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        app_label = "common"
        indexes = [
            models.Index(fields=["dlq_topic", "partition", "offset"], name="deadletter_entry_idx")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.dlq_topic}:{self.partition}:{self.offset}"
