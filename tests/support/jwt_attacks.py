"""Forged and broken tokens, for the authorization matrices of both services."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def b64(data: bytes) -> str:
    """Base64url without padding, as JWT segments are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(token: str) -> dict[str, Any]:
    return json.loads(_unb64(token.split(".")[1]))


def header_of(token: str) -> dict[str, Any]:
    return json.loads(_unb64(token.split(".")[0]))


def tampered(token: str, **changes: Any) -> str:
    """Same header and signature, altered claims."""
    head, _, sig = token.split(".")
    body = {**claims_of(token), **changes}
    return f"{head}.{b64(json.dumps(body).encode())}.{sig}"


def unsigned(token: str) -> str:
    """``alg: none`` with the original claims and no signature."""
    header = {**header_of(token), "alg": "none"}
    return f"{b64(json.dumps(header).encode())}.{token.split('.')[1]}."


def signed_with_another_key(token: str) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return jwt.encode(
        claims_of(token), pem, algorithm="RS256", headers={"kid": header_of(token)["kid"]}
    )


def hs256_with_public_key(token: str, public_pem: str) -> str:
    """The classic algorithm confusion: HMAC keyed with the RSA public key."""
    header = {**header_of(token), "alg": "HS256"}
    signing_input = f"{b64(json.dumps(header).encode())}.{token.split('.')[1]}"
    sig = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(sig)}"
