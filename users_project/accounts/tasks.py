from __future__ import annotations

from celery import shared_task

from users_project.accounts.services import refresh_tokens_flush_expired


@shared_task
def flush_expired_tokens() -> int:
    """Run by beat (``users_project/schedules.py``); returns the rows deleted."""
    return refresh_tokens_flush_expired()
