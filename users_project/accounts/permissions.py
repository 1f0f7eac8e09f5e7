from __future__ import annotations

import uuid

from rest_framework.exceptions import NotFound, PermissionDenied

from users_project.accounts.models import User
from users_project.accounts.selectors import user_get


def accessible_user(*, caller: User, raw_id: str) -> User:
    """The user ``caller`` may act on at ``raw_id``: itself, or anyone for staff.

    Non-staff callers get 403 for any other well-formed id, whether or not it
    exists, so the answer never reveals which ids are taken.
    """
    try:
        user_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound() from None
    if not caller.is_staff and user_id != caller.id:
        raise PermissionDenied("You may only act on your own account.")
    user = user_get(user_id=user_id)
    if user is None:
        raise NotFound()
    return user
