"""The accounts' part of ``common.api.errors.DOMAIN_ERRORS`` (added by ``AccountsConfig.ready``)."""

from __future__ import annotations

from common.api.errors import ErrorAnswer
from users_project.accounts.hashers import HashingBusy
from users_project.accounts.services import EMAIL_TAKEN, EmailTaken, PasswordChangeRejected
from users_project.accounts.tokens import InvalidCredentials, RefreshTokenRejected

ANSWERS: dict[type[Exception], ErrorAnswer] = {
    EmailTaken: ErrorAnswer(400, "invalid", message=EMAIL_TAKEN, field="email"),
    PasswordChangeRejected: ErrorAnswer(400, "invalid", field=lambda exc: exc.field),
    InvalidCredentials: ErrorAnswer(401, "invalid_credentials"),
    RefreshTokenRejected: ErrorAnswer(
        401, "token_not_valid", headers={"WWW-Authenticate": 'Bearer realm="api"'}
    ),
    HashingBusy: ErrorAnswer(
        503,
        "busy",
        "Too many password checks at once; try again shortly.",
        headers=lambda exc: {"Retry-After": str(exc.retry_after)},
    ),
}
