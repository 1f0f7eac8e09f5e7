"""Who may act on which account through the API: anyone on their own;
another as Django's model permissions allow, as in the admin (``change_user``
implies ``view_user``); only a superuser on a superuser. ``is_staff`` alone
grants nothing."""

from __future__ import annotations

import uuid
from typing import Literal

from rest_framework.exceptions import NotFound, PermissionDenied

from users_project.accounts.models import User
from users_project.accounts.selectors import user_get

# The one spelling of a user id in a URL (str(uuid)'s): any other would reach
# the same account under another name (and another throttle key).
USER_ID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

UserAction = Literal["view", "change", "delete"]


def accessible_user(*, caller: User, user_id: uuid.UUID, action: UserAction) -> User:
    """The user ``caller`` may ``action``. Without the model permission any
    other id is 403, taken or not, so the answer reveals no ids."""
    own = user_id == caller.id
    granting = ("view", "change") if action == "view" else (action,)
    if not own and not any(caller.has_perm(f"accounts.{p}_user") for p in granting):
        raise PermissionDenied("You may only act on your own account.")
    user = user_get(user_id=user_id)
    if user is None:
        raise NotFound()
    if not own and action != "view" and user.is_superuser and not caller.is_superuser:
        raise PermissionDenied("Only a superuser may change or delete a superuser.")
    return user
