"""The shape a bearer token must have before PyJWT's ``json.loads`` reads it
(a deeply nested header would be a ``RecursionError``, a 500): both services
check it first, so a malformed token is an ordinary 401."""

from __future__ import annotations

import jwt
from jwt.utils import base64url_decode

from common import boundedjson

# Several times this project's RS256 access tokens.
MAX_TOKEN_LENGTH = 4096
# Header and claims are flat objects; a little room for future claims.
MAX_TOKEN_JSON_DEPTH = 4


def check_token_shape(token: str) -> None:
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii() or token.count(".") != 2:
        raise jwt.DecodeError("Malformed token.")
    for segment in token.split(".")[:2]:
        try:
            document = boundedjson.loads(base64url_decode(segment), max_depth=MAX_TOKEN_JSON_DEPTH)
        except ValueError:  # binascii.Error and UnicodeError are ValueErrors
            raise jwt.DecodeError("Malformed token.") from None
        if not isinstance(document, dict):
            raise jwt.DecodeError("Malformed token.")
