"""The RSA key that signs tokens, and its public half as a JWKS document."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwt.algorithms import RSAAlgorithm

from common.env import development_secret


@dataclass(frozen=True)
class SigningKey:
    private_pem: str
    public_pem: str
    kid: str
    public_jwk: dict[str, Any]


def _new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _configured_private_pem() -> str:
    if settings.JWT_PRIVATE_KEY:
        return settings.JWT_PRIVATE_KEY
    if settings.JWT_GENERATE_DEVELOPMENT_KEY:
        return development_secret("jwt-signing-key.pem", make=_new_private_pem)
    raise ImproperlyConfigured("set JWT_PRIVATE_KEY (an RSA key in PEM)")


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 key id: base64url(SHA-256) of the key's required members."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@cache
def signing_key() -> SigningKey:
    private_pem = _configured_private_pem()
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey) or private.key_size < 2048:
        raise ImproperlyConfigured("the JWT signing key must be an RSA key of 2048 bits or more")
    public = private.public_key()
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
    kid = thumbprint(jwk)
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return SigningKey(
        private_pem=private_pem,
        public_pem=public_pem,
        kid=kid,
        public_jwk={**jwk, "kid": kid, "use": "sig", "alg": "RS256"},
    )
