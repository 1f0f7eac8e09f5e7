"""Hostile input shapes, sent by both services' hostile-input tests."""

from __future__ import annotations

import json
from typing import Any

import jwt
from django.conf import settings
from hypothesis import strategies as st

from tests.support.jwt_attacks import b64

DEPTH = 5_000  # far past Python's recursion limit


def deep_json(depth: int = DEPTH) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def deep_array(depth: int = DEPTH) -> str:
    return "[" * depth + "]" * depth


def token_with_deep_header(valid_token: str) -> str:
    """A valid token's claims and signature under a header nested ``DEPTH`` deep."""
    _, claims, signature = valid_token.split(".")
    return f"{b64(deep_array().encode())}.{claims}.{signature}"


def token_with_deep_claims(valid_token: str) -> str:
    header, _, signature = valid_token.split(".")
    return f"{header}.{b64(deep_json().encode())}.{signature}"


def signed_token(private_pem: Any, kid: str, **claims: Any) -> str:
    """A correctly signed access token with these claims (e.g. a bad ``sub``)."""
    body = {
        "token_type": "access",
        "exp": 4_102_444_800,
        "iat": 1_700_000_000,
        "jti": "hostile",
        "aud": settings.JWT_AUDIENCE,
        "iss": settings.JWT_ISSUER,
        **claims,
    }
    return jwt.encode(body, private_pem, algorithm="RS256", headers={"kid": kid})


def too_many_query_fields() -> str:
    return "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))


def assert_error(response: Any, status: int) -> None:
    """Exactly ``status``, in the one error shape."""
    assert response.status_code == status, response.content[:300]
    assert response.json()["error"]["status"] == status


DEEP_BODIES = {"array 5000": deep_array(), "object 5000": deep_json(), "array 33": deep_array(33)}


def token_shapes(valid_token: str, private_pem: Any, kid: str) -> dict[str, str]:
    """Authorization headers no service may accept, by name: built from a
    valid token, signed with the real key but with a bad ``sub``, or malformed."""
    return {
        "deep header": f"Bearer {token_with_deep_header(valid_token)}",
        "deep claims": f"Bearer {token_with_deep_claims(valid_token)}",
        "signed, sub not a UUID": "Bearer " + signed_token(private_pem, kid, sub="not-a-uuid"),
        "signed, sub a number": "Bearer " + signed_token(private_pem, kid, sub=42),
        **MALFORMED_AUTHORIZATION,
    }


MALFORMED_AUTHORIZATION = {
    "keyword only": "Bearer",
    "three parts": "Bearer a b",
    "not a jwt": "Bearer not-a-jwt",
    "four segments": "Bearer a.b.c.d",
    "bad base64": "Bearer %%%.%%%.%%%",
    "header is an array": f"Bearer {b64(b'[]')}.{b64(b'{}')}.sig",
    "header is a string": f"Bearer {b64(json.dumps('x').encode())}.{b64(b'{}')}.sig",
    "header not utf-8": f"Bearer {b64(bytes([0xFF, 0xFE]))}.{b64(b'{}')}.sig",
    "huge token": "Bearer " + "a" * 20_000 + ".b.c",
    "non-ascii token": "Bearer \u00e9\u00e9.\u00e9.\u00e9",
}

TOKEN_SHAPES = [
    "deep header",
    "deep claims",
    "signed, sub not a UUID",
    "signed, sub a number",
    *MALFORMED_AUTHORIZATION,
]

# Any header value a client could send after "Bearer " (WSGI hands headers
# over as latin-1 text, so nothing above U+00FF arrives).
token_texts = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0xFF), max_size=300),
    st.builds(
        lambda head, body, sig: f"{b64(head.encode())}.{b64(body.encode())}.{sig}",
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda children: st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=5), children, max_size=3),
            max_leaves=20,
        ).map(json.dumps),
        st.text(max_size=40).map(lambda t: json.dumps({"alg": "RS256", "kid": t})),
        st.text(alphabet="abcdefABCDEF0123456789-_", max_size=60),
    ),
    st.integers(min_value=1, max_value=8_000).map(lambda n: b64(deep_array(n).encode()) + ".e30.x"),
)

# Request bodies no endpoint accepts: arbitrary bytes, JSON of any shape and
# depth that is not an object, and objects nested past the limit.
hostile_bodies = st.one_of(
    st.binary(max_size=200),
    st.integers(min_value=33, max_value=8_000).map(deep_array),
    st.integers(min_value=33, max_value=8_000).map(deep_json),
    st.recursive(
        st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=10),
        lambda children: st.lists(children, max_size=3),
        max_leaves=30,
    ).map(json.dumps),
)
