"""A partner's webhook receiver for tests: a real HTTP server on 127.0.0.1.

Paths choose the behaviour: /ok answers 204, /fail 500, /slow 200 after
`SLOW_SECONDS`, /hang answers after `HANG_SECONDS` (longer than the tests'
read timeout), /redirect 302 to /ok. Every request is kept, with its headers
and body, in `received`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 0.3
HANG_SECONDS = 3


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    received: list[Request] = field(default_factory=list)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def at(self, path: str) -> list[Request]:
        return [request for request in self.received if request.path == path]


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The check docs/partners.md gives partners, as they would write it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def start() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            receiver.received.append(Request(self.path, dict(self.headers), body))
            if self.path == "/slow":
                time.sleep(SLOW_SECONDS)
            if self.path == "/hang":
                time.sleep(HANG_SECONDS)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/ok")
            elif self.path == "/fail":
                self.send_response(500)
            else:
                self.send_response(204 if self.path == "/ok" else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
