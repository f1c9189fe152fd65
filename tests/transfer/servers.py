"""Loopback HTTP servers for transfer tests: a media server with or without
Range support, and a fault-injecting reverse proxy in front of an S3 endpoint."""

from __future__ import annotations

import http.client
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def media_server(blob: bytes, ranges: bool, etag: str = '"v1"') -> type[BaseHTTPRequestHandler]:
    class Media(BaseHTTPRequestHandler):
        data = blob
        requests: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads it

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            Media.requests.append(self.headers.get("Range", ""))
            match = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
            if ranges and match:
                start, end = int(match[1]), min(int(match[2]), len(self.data) - 1)
                body = self.data[start:end + 1]
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(self.data)}")
            else:
                body = self.data
                self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    return Media


class FaultPlan:
    """What the proxy breaks: every `every`-th UploadPart request (from the `first`),
    by `kind` ("500", "drop" or "mixed"), and the first CompleteMultipartUpload
    (500 after it succeeded)."""

    def __init__(self, every: int = 10, first: int = 3, kind: str = "mixed") -> None:
        self.every, self.first, self.kind = every, first, kind
        self.lock = threading.Lock()
        self.part_requests = 0
        self.failed_parts = 0
        self.completes_broken = 0

    def part_fault(self) -> str | None:
        with self.lock:
            self.part_requests += 1
            if self.part_requests < self.first or (self.part_requests - self.first) % self.every:
                return None
            self.failed_parts += 1
            if self.kind == "mixed":
                return "500" if self.failed_parts % 2 else "drop"
            return self.kind

    def break_complete(self) -> bool:
        with self.lock:
            self.completes_broken += 1
            return self.completes_broken == 1


def fault_proxy(upstream: str, plan: FaultPlan) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(upstream)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> tuple[int, list[tuple[str, str]], bytes]:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            connection.close()
            return answer.status, answer.getheaders(), data

        def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
            head = self.command == "HEAD"  # keeps the upstream Content-Length and sends no body
            self.send_response(status)
            for key, value in headers:
                skip = ("connection", "transfer-encoding", "date", "server") + (() if head else ("content-length",))
                if key.lower() not in skip:
                    self.send_header(key, value)
            if not head:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def _handle(self) -> None:
            query = urlsplit(self.path).query
            if self.command == "PUT" and "partNumber=" in query and "uploadId=" in query:
                fault = plan.part_fault()
                if fault == "drop":
                    self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if fault == "500":
                    self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                    return self._reply(500, [], b"<Error><Code>InternalError</Code></Error>")
            status, headers, data = self._forward()
            if self.command == "POST" and "uploadId=" in query and status == 200 and plan.break_complete():
                return self._reply(500, [], b"<Error><Code>InternalError</Code></Error>")
            self._reply(status, headers, data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    return Proxy
