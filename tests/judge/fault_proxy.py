"""A small HTTP proxy in front of a real judge server that injects the failures services produce.

It forwards every request to the real server unchanged, except those it is told to spoil, in
order: ``"429"`` (with ``Retry-After``), ``"500"``, ``"timeout"`` (holds the request past the
client's timeout), ``"no-logprobs"`` (the real reply without its log-probabilities),
``"garbage"`` (a 200 reply that is not JSON), ``"text:…"`` (the real reply with this answer
text instead), ``"401-echo"`` (refuses the key, quoting it). ``always`` spoils every other
request the same way (``"no-logprobs"``: a server that never returns log-probabilities).
It counts the requests it receives, so a test can say how many a run sent.
When the real server is gone it answers 502, as a reverse proxy does.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class FaultProxy:
    """Proxy on 127.0.0.1 (a free port) to ``upstream`` (``http://host:port``)."""

    def __init__(
        self,
        upstream: str,
        retry_after: str = "1",
        hang_seconds: float = 3.0,
        always: str | None = None,
    ):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.faults: deque[str] = deque()
        self.always = always  # the fault of every request not given one (a server kind)
        self.requests = 0
        self.seen_headers: list[dict] = []
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                proxy._forward(self, b"")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy._forward(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The base URL a client uses (OpenAI style, ending in /v1)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def inject(self, *faults: str) -> None:
        """Spoil the next requests, one fault each, in this order."""
        with self._lock:
            self.faults.extend(faults)

    def close(self) -> None:
        """Stop listening (clients then get 'connection refused')."""
        self.server.shutdown()
        self.server.server_close()

    # -- one request ---------------------------------------------------------------------------

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        with self._lock:
            fault = None
            if handler.command == "POST":
                fault = self.faults.popleft() if self.faults else self.always
            if handler.command == "POST":
                self.requests += 1
                self.seen_headers.append({k.lower(): v for k, v in handler.headers.items()})
                self.bodies.append(body)
        if fault == "429":
            return _reply(
                handler,
                429,
                {"error": {"message": "rate limited"}},
                {"Retry-After": self.retry_after},
            )
        if fault == "500":
            return _reply(handler, 500, {"error": {"message": "internal error"}})
        if fault == "timeout":
            time.sleep(self.hang_seconds)
            handler.close_connection = True
            return None
        if fault == "401-echo":  # a server that quotes the key it refuses
            key = handler.headers.get("Authorization", "").removeprefix("Bearer ")
            return _reply(handler, 401, {"error": {"message": f"Incorrect API key: {key}"}})
        if fault == "garbage":
            return _reply(handler, 200, None, raw=b"<html>Bad gateway</html>")
        try:
            status, payload = self._upstream(handler, body)
        except OSError:
            return _reply(handler, 502, {"error": {"message": "upstream is down"}})
        if fault in ("no-logprobs",) or (fault or "").startswith("text:"):
            data = json.loads(payload)
            for choice in data.get("choices", []):
                choice["logprobs"] = None
                if fault.startswith("text:"):
                    choice["message"]["content"] = fault[len("text:") :]
            payload = json.dumps(data).encode()
        return _reply(handler, status, None, raw=payload)

    def _upstream(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=600)
        try:
            headers = {"Content-Type": handler.headers.get("Content-Type", "application/json")}
            connection.request(handler.command, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _reply(handler, status: int, data, headers: dict | None = None, raw: bytes | None = None):
    payload = raw if raw is not None else json.dumps(data).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)
