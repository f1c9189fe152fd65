"""Small fake provider servers on loopback: the Mux API and stream host, and the
Cloudflare Stream API and its download host. They answer the documented JSON
(providers.md §1.7–1.8, §2.3) and serve real media files the tests make, with
Range support, and can answer 500 a given number of times first."""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class FakeProvider:
    """State shared with the handler: assets, videos, files and injected faults."""

    base: str = ""
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    videos: dict[str, dict[str, Any]] = field(default_factory=dict)
    downloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # URL path -> file
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # path prefix -> 500s left
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, prefix: str, times: int) -> None:
        self.failures[prefix] = times

    def calls_to(self, method: str, fragment: str) -> int:
        return sum(1 for m, p in self.calls if m == method and fragment in p)

    # Mux -------------------------------------------------------------------------------------------
    def rendition_ready(self, asset_id: str, media: Path) -> None:
        asset = self.assets[asset_id]
        asset["static_renditions"] = {"status": "ready", "files": [{
            "name": "highest.mp4", "ext": "mp4", "status": "ready", "resolution_tier": "1080p",
            "resolution": "highest", "type": "standard", "filesize": str(media.stat().st_size), "id": "rend-1"}]}
        self.files[f"/mux-stream/{asset['playback_ids'][0]['id']}/highest.mp4"] = media

    # Cloudflare ------------------------------------------------------------------------------------
    def download_ready(self, uid: str, media: Path) -> None:
        self.files[f"/cf-media/{uid}/downloads/default.mp4"] = media
        self.downloads[uid] = {"status": "ready", "url": f"{self.base}/cf-media/{uid}/downloads/default.mp4",
                               "percentComplete": 100.0}


def _handler(state: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send_json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _faulted(self) -> bool:
            with state.lock:
                state.calls.append((self.command, self.path))
                for prefix, left in state.failures.items():
                    if self.path.startswith(prefix) and left > 0:
                        state.failures[prefix] = left - 1
                        self._send_json(500, {"error": "injected"})
                        return True
            return False

        def do_GET(self) -> None:
            if self._faulted():
                return
            if self.path in state.files:
                return self._send_file(state.files[self.path])
            if self.path.startswith("/mux-api/video/v1/assets?"):
                newest_first = sorted(state.assets.values(), key=lambda a: a["created_at"], reverse=True)
                return self._send_json(200, {"data": newest_first})
            if re.fullmatch(r"/cf-api/accounts/[^/]+/stream\?.*", self.path):
                return self._send_json(200, {"success": True, "result": list(state.videos.values())})
            if match := re.fullmatch(r"/mux-api/video/v1/assets/([^/?]+)", self.path):
                asset = state.assets.get(match[1])
                return self._send_json(200, {"data": asset}) if asset else self._send_json(404, {"error": {}})
            if match := re.fullmatch(r"/cf-api/accounts/[^/]+/stream/([^/]+)/downloads", self.path):
                found = state.downloads.get(match[1])
                return self._send_json(200, {"success": True, "result": {"default": found} if found else {}})
            if match := re.fullmatch(r"/cf-api/accounts/[^/]+/stream/([^/]+)", self.path):
                video = state.videos.get(match[1])
                return self._send_json(200 if video else 404, {"success": bool(video), "result": video})
            self._send_json(404, {"error": "not found"})

        def do_POST(self) -> None:
            if self._faulted():
                return
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if match := re.fullmatch(r"/mux-api/video/v1/assets/([^/]+)/static-renditions", self.path):
                state.assets[match[1]]["static_renditions"] = {"status": "preparing", "files": [
                    {"name": "highest.mp4", "ext": "mp4", "status": "preparing", "resolution": "highest",
                     "type": "standard", "id": "rend-1"}]}
                return self._send_json(201, {"data": {"id": "rend-1", "type": "standard", "status": "preparing",
                                                      "resolution": "highest", "name": "highest.mp4", "ext": "mp4"}})
            if match := re.fullmatch(r"/cf-api/accounts/[^/]+/stream/([^/]+)/downloads", self.path):
                uid = match[1]
                state.downloads.setdefault(uid, {
                    "status": "inprogress", "percentComplete": 0.0,
                    "url": f"{state.base}/cf-media/{uid}/downloads/default.mp4"})
                return self._send_json(200, {"success": True, "result": {"default": state.downloads[uid]}})
            self._send_json(404, {"error": "not found"})

        def _send_file(self, path: Path) -> None:
            data = path.read_bytes()
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if match:
                start = int(match[1])
                end = min(int(match[2]) if match[2] else len(data) - 1, len(data) - 1)
                body = data[start:end + 1]
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            else:
                body = data
                self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", f'"{path.stat().st_mtime_ns}"')
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    state = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def mux_asset(asset_id: str, live_stream_id: str, playback_id: str, duration: float,
              created_at: str = "1795173200") -> dict[str, Any]:
    """An asset as `GET /video/v1/assets/{id}` returns it (mux-python `Asset`), with no MP4 yet."""
    return {"id": asset_id, "status": "ready", "duration": duration, "created_at": created_at,
            "live_stream_id": live_stream_id, "is_live": False, "ingest_type": "live_rtmp",
            "playback_ids": [{"id": playback_id, "policy": "public"}], "master_access": "none",
            "max_resolution_tier": "1080p", "video_quality": "basic", "passthrough": "rec-42",
            "recording_times": [{"started_at": "2026-11-20T11:34:00Z", "duration": duration, "type": "content"}],
            "tracks": [{"id": "t1", "type": "video", "duration": duration, "max_width": 320, "max_height": 240,
                        "max_frame_rate": 30.0}]}
