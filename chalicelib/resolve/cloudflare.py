"""Cloudflare Stream: the MP4 of a live recording through the downloads API
(providers.md §2.3). Live recordings of 4 h or more have no MP4 download, so
those are remuxed from their HLS playlist instead.

The `cloudflare` SDK is 105 MB unzipped; three REST calls do not justify it
inside the 250 MB Lambda budget, so this uses urllib3 (already in botocore).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.errors import ConfigError, GiveUpError, NotReadyError, RetryableError
from chalicelib.resolve import Files, Playlist, Resolution
from chalicelib.secrets import get_secret
from chalicelib.settings import get_settings

MP4_LIMIT_S = 4 * 3600


def download_state(answer: dict[str, Any]) -> tuple[str, str, float]:
    """(status, url, percent) of the default MP4 download in a downloads answer; pure."""
    default = (answer.get("result") or {}).get("default") or {}
    return str(default.get("status", "")), str(default.get("url", "")), float(default.get("percentComplete") or 0)


def resolve_cloudflare(facts: dict[str, Any]) -> Resolution:
    recording = facts.get("recording") or {}
    uid = (recording.get("provider_ids") or {}).get("video_uid")
    if not uid:
        raise GiveUpError("Cloudflare recording without a video uid", detail=str(recording.get("id")))
    api = CloudflareApi()
    duration = recording.get("duration_s")
    hls = (facts.get("playback") or {}).get("hls")
    if duration is None or not hls:
        video = api.call("GET", f"stream/{uid}").get("result") or {}
        duration, hls = video.get("duration"), (video.get("playback") or {}).get("hls")
    if duration is not None and float(duration) >= MP4_LIMIT_S:
        if not hls:
            raise GiveUpError("long Cloudflare recording without an HLS playlist", detail=uid)
        return Playlist(str(hls), float(duration))
    status, url, percent = download_state(api.call("GET", f"stream/{uid}/downloads"))
    if not status:
        status, url, percent = download_state(api.call("POST", f"stream/{uid}/downloads"))
    if status == "ready" and url:
        return Files((url,), ("default.mp4",))
    if status == "error":
        if hls:  # the MP4 could not be made; the HLS rendition still can
            return Playlist(str(hls), float(duration) if duration is not None else None)
        raise GiveUpError("Cloudflare MP4 download failed", detail=uid)
    raise NotReadyError("Cloudflare MP4 download in progress", detail=f"{uid}: {percent:.0f}%",
                        delay_s=30 if percent > 50 else 60)


class CloudflareApi:
    def __init__(self) -> None:
        settings = get_settings()
        if not settings.cloudflare_account_id:
            raise ConfigError("CLOUDFLARE_ACCOUNT_ID is not set", detail="CLOUDFLARE_ACCOUNT_ID")
        self.base = f"{settings.cloudflare_api_url}/accounts/{settings.cloudflare_account_id}"
        self.token = get_secret("CLOUDFLARE_API_TOKEN")

    def call(self, method: str, path: str) -> dict[str, Any]:
        import urllib3

        try:
            answer = urllib3.request(method, f"{self.base}/{path}", retries=False,
                                     headers={"Authorization": f"Bearer {self.token}"},
                                     timeout=urllib3.Timeout(connect=5, read=20))
        except urllib3.exceptions.HTTPError as exc:
            raise RetryableError("Cloudflare API unreachable", detail=type(exc).__name__) from None
        if answer.status == 429 or answer.status >= 500:
            raise RetryableError("Cloudflare API unavailable", detail=f"{path}: HTTP {answer.status}")
        if answer.status >= 400:
            raise GiveUpError("Cloudflare API refused", detail=f"{path}: HTTP {answer.status}")
        try:
            body: dict[str, Any] = json.loads(answer.data)
        except ValueError:
            raise RetryableError("Cloudflare API answered no JSON", detail=path) from None
        return body
