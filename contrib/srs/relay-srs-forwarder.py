#!/usr/bin/env python3
"""SRS on_dvr → relay-upload. SRS can only call HTTP hooks, not run commands,
so this listens on loopback, answers SRS immediately, and uploads in the
background (one file at a time, in order). Standard library only.

    RELAY_URL=… RELAY_HOOK_TOKEN=… RELAY_INGEST_BUCKET=… relay-srs-forwarder.py [--port 8085]
"""

import argparse
import json
import os
import queue
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
UPLOAD = next(p for p in (os.path.join(HERE, "relay-upload"), os.path.join(HERE, "..", "relay-upload"))
              if os.access(p, os.X_OK))
jobs: "queue.Queue[list[str]]" = queue.Queue()


def worker() -> None:
    while True:
        args = jobs.get()
        result = subprocess.run([UPLOAD, *args], check=False)  # noqa: S603 - our own script, list args
        if result.returncode:
            print(f"relay-upload failed ({result.returncode}) for {args[-1]}", flush=True)


class OnDvr(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        hook = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if hook.get("action") == "on_dvr":
            path = os.path.join(hook.get("cwd", ""), hook["file"])
            jobs.put(["srs", hook["app"], hook["stream"], os.path.normpath(path)])
        body = b'{"code":0}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8085)
    port = parser.parse_args().port
    threading.Thread(target=worker, daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", port), OnDvr).serve_forever()
