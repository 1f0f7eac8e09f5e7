from __future__ import annotations

from celery import shared_task

from users_project.accounts.services import refresh_tokens_flush_expired


@shared_task
def flush_expired_tokens() -> int:
    """Run by beat (``CELERY_BEAT_SCHEDULE``); returns the rows deleted."""
    return refresh_tokens_flush_expired()
