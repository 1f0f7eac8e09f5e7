"""A stand-in identity provider for the games service's own tests.

The games service trusts tokens by the users service's JWKS document. Tests
of the games service alone serve such a document from a key pair of their
own and sign tokens with exactly the users service's claims (tests/e2e runs
the real users service instead).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class KeyPair:
    def __init__(self, kid: str | None = None) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid or uuid.uuid4().hex
        self.private_pem = self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.public_pem = (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def jwk(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}


class IdentityProvider:
    """Serves ``/.well-known/jwks.json`` and issues tokens like the users service."""

    def __init__(self, *, issuer: str, audience: str) -> None:
        self.issuer, self.audience = issuer, audience
        self.keys = [KeyPair()]
        self.fetches = 0
        self.arrived = threading.Event()  # set by each fetch
        # While ``gate`` is clear, each fetch hangs (up to 10 s): a slow users
        # service. With ``cut_off``, the connection closes without an answer.
        self.gate = threading.Event()
        self.gate.set()
        self.cut_off = False
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                provider.fetches += 1
                provider.arrived.set()
                if provider.cut_off:
                    return  # no status line at all
                provider.gate.wait(timeout=10)
                body = json.dumps({"keys": [k.jwk() for k in provider.keys]}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def claims(
        self, user_id: uuid.UUID, *, is_staff: bool = False, **overrides: Any
    ) -> dict[str, Any]:
        now = int(time.time())
        return {
            "token_type": "access",
            "exp": now + 900,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "sub": str(user_id),
            "is_staff": is_staff,
            "iss": self.issuer,
            "aud": self.audience,
            **overrides,
        }

    def token(
        self,
        user_id: uuid.UUID,
        *,
        is_staff: bool = False,
        key: KeyPair | None = None,
        **overrides: Any,
    ) -> str:
        key = key or self.keys[0]
        return jwt.encode(
            self.claims(user_id, is_staff=is_staff, **overrides),
            key.private_pem,
            algorithm="RS256",
            headers={"kid": key.kid},
        )

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
