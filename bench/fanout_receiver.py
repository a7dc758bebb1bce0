"""The receiving end of the fan-out benchmark: an HTTPS server on 127.0.0.1, with a throwaway
certificate, that answers 200 to every back-channel logout, checks each token's signature and
counts distinct tokens and distinct (application, sid) pairs (`Tally`).
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

HOST = "127.0.0.1"


def write_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key: (certificate, key) files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench back-channel receiver")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "receiver.pem", folder / "receiver.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Tally:
    """What the receiver heard; `done` is set when `expected` distinct app sessions have."""

    def __init__(self, expected: int, signing_key_pem: str) -> None:
        from jwcrypto import jwk

        self.expected = expected
        self.public_key = jwk.JWK.from_pem(signing_key_pem.encode()).public()
        self.lock = threading.Lock()
        self.posts = 0
        self.invalid = 0
        self.jtis: set[str] = set()
        self.sessions: set[tuple[str, str]] = set()
        self.completed_at: float | None = None
        self.done = threading.Event()

    def record(self, form: dict[str, list[str]]) -> None:
        claims = self._verified_claims(form)
        with self.lock:
            self.posts += 1
            if claims is None:
                self.invalid += 1
                return
            self.jtis.add(claims["jti"])
            self.sessions.add((claims["aud"], claims["sid"]))
            if len(self.sessions) >= self.expected and self.completed_at is None:
                self.completed_at = time.perf_counter()
                self.done.set()

    def _verified_claims(self, form: dict[str, list[str]]) -> dict[str, Any] | None:
        from jwcrypto import jwt

        try:
            [token] = form["logout_token"]
            verified = jwt.JWT(jwt=token, key=self.public_key, algs=["RS256"])
            claims = json.loads(verified.claims)
        except Exception:
            return None
        return claims if {"jti", "aud", "sid"} <= claims.keys() else None


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # every sender thread may connect at once

    def __init__(self, context: ssl.SSLContext, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__((HOST, 0), handler)
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The handshake in the connection's own thread, not in the accepting one.
        request.settimeout(10)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except OSError:
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()


@contextlib.contextmanager
def receiver(tally: Tally, cert_file: Path, key_file: Path) -> Iterator[int]:
    """The receiver running on 127.0.0.1; its port."""

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as the application servers in front of real receivers do.
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            tally.record(parse_qs(self.rfile.read(length).decode()))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = _TlsServer(context, Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
