"""A back-channel logout endpoint on loopback: a small threaded HTTP server that records what it
is POSTed and answers with the statuses a test queues (200 once the queue is empty)."""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt

from single_sign_on.logout_token import BACKCHANNEL_LOGOUT_EVENT

from .conftest import ISSUER, RelyingParty


@dataclass
class Received:
    path: str
    host: str
    content_type: str
    form: dict[str, list[str]]

    @property
    def logout_token(self) -> str:
        [token] = self.form["logout_token"]
        return token


@dataclass
class LogoutReceiver:
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/backchannel") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Received]:
        return [post for post in self.received if post.path == path]


def _handler(receiver: LogoutReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 5  # a stuck client cannot hold the thread for long

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            receiver.received.append(
                Received(
                    path=self.path,
                    host=self.headers.get("Host", ""),
                    content_type=self.headers.get("Content-Type", ""),
                    form=parse_qs(body),
                )
            )
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", receiver.url("/moved"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class RunningReceiver:
    """Starts the server on 127.0.0.1 (a free port) and stops it, thread included."""

    def __init__(self) -> None:
        self.receiver = LogoutReceiver()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.receiver))
        self.server.daemon_threads = True
        self.receiver.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> LogoutReceiver:
        self.thread.start()
        return self.receiver

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def validated_logout_token(token: str, app: RelyingParty) -> dict[str, Any]:
    """The logout token's claims, checked with authlib against the provider's JWKS as an
    application would (Back-Channel Logout 1.0, section 2.6)."""
    jwks = app.session.get(f"{ISSUER}/.well-known/jwks.json", withhold_token=True).json()
    claims = jwt.decode(
        token,
        JsonWebKey.import_key_set(jwks),
        claims_options={
            "iss": {"essential": True, "value": ISSUER},
            "aud": {"essential": True, "value": app.client_id},
            "iat": {"essential": True},
            "exp": {"essential": True},
            "jti": {"essential": True},
            "sid": {"essential": True},
            "sub": {"essential": True},
            "events": {"essential": True},
        },
    )
    claims.validate()
    assert claims["events"] == {BACKCHANNEL_LOGOUT_EVENT: {}}
    assert "nonce" not in claims
    assert claims.header["typ"] == "logout+jwt"
    assert claims.header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert claims["exp"] - claims["iat"] <= 120
    return dict(claims)
