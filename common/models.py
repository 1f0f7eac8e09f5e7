# Django discovers an app's models here; they live beside the code using them.
from common.deadletters.models import DeadLetterAction
from common.inbox.models import ProcessedEvent
from common.outbox.models import OutboxEvent

__all__ = ["DeadLetterAction", "OutboxEvent", "ProcessedEvent"]
