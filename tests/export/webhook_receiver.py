"""A local HTTP server that receives the retrain webhook and checks its signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.webhook_readme import readme_verifier

SECRET = b"webhook-secret"


class Receiver:
    """A local HTTP server that keeps every POST it gets (body and headers)."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                received.append((body, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/retrain"

    def verified(self) -> list[dict]:
        """Each received body, after checking its signatures (docs/review.md's check, and the deprecated header)."""
        verified = readme_verifier()
        bodies = []
        for body, headers in self.received:
            assert verified(body, headers, SECRET)
            legacy = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(headers["x-feedgate-signature"], legacy)
            assert headers["content-type"] == "application/json"
            bodies.append(json.loads(body))
        return bodies
