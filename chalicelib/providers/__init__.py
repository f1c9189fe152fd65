"""One adapter per provider channel: verify + parse + normalize, pure logic."""

from __future__ import annotations

from chalicelib.providers.agora import AgoraAdapter
from chalicelib.providers.base import WebhookAdapter
from chalicelib.providers.cloudflare import CloudflareLiveAdapter, CloudflareStreamAdapter
from chalicelib.providers.mediamtx import MediaMtxAdapter
from chalicelib.providers.mux import MuxAdapter
from chalicelib.providers.nginx_rtmp import NginxRtmpAdapter
from chalicelib.providers.srs import SrsAdapter

# Route name (the last path segment of /webhooks/… or /hooks/…) -> adapter.
WEBHOOKS: dict[str, WebhookAdapter] = {
    "mux": MuxAdapter(),
    "cloudflare": CloudflareStreamAdapter(),
    "cloudflare-live": CloudflareLiveAdapter(),
    "agora": AgoraAdapter(),
    "nginx-rtmp": NginxRtmpAdapter(),
    "srs": SrsAdapter(),
    "mediamtx": MediaMtxAdapter(),
}

__all__ = ["WEBHOOKS", "WebhookAdapter"]
