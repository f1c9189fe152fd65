"""HLS playlists (pure): pick the highest variant of a master playlist and
rewrite a media playlist's URIs (segments and the init map) to fetchable URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from posixpath import dirname, join, normpath

_BANDWIDTH = re.compile(r"(?:^|,)BANDWIDTH=(\d+)")
_RESOLUTION = re.compile(r"RESOLUTION=(\d+)x(\d+)")
_MAP_URI = re.compile(r'(#EXT-X-MAP:.*?URI=")([^"]+)(")')


def is_master(text: str) -> bool:
    return "#EXT-X-STREAM-INF" in text


def best_variant(text: str) -> str:
    """The variant URI with the largest resolution, then bandwidth."""
    best: tuple[int, int, str] | None = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not line.startswith("#EXT-X-STREAM-INF"):
            continue
        uri = next((u.strip() for u in lines[index + 1:] if u.strip() and not u.startswith("#")), None)
        if uri is None:
            continue
        resolution = _RESOLUTION.search(line)
        bandwidth = _BANDWIDTH.search(line.split(":", 1)[1])
        rank = (int(resolution[1]) * int(resolution[2]) if resolution else 0, int(bandwidth[1]) if bandwidth else 0,
                uri)
        if best is None or rank[:2] > best[:2]:
            best = rank
    if best is None:
        raise ValueError("master playlist lists no variant")
    return best[2]


def relative_key(playlist_key: str, uri: str) -> str:
    """An object key for a URI relative to the playlist's own key."""
    return normpath(join(dirname(playlist_key), uri)).lstrip("/")


def rewrite_media_playlist(text: str, resolve: Callable[[str], str]) -> str:
    """Every segment URI and `#EXT-X-MAP` URI replaced by `resolve(uri)`; all else kept
    (discontinuities, durations, byte ranges)."""
    out = []
    for line in text.splitlines():
        if line.startswith("#EXT-X-MAP"):
            line = _MAP_URI.sub(lambda m: m[1] + resolve(m[2]) + m[3], line)
        elif line.strip() and not line.startswith("#"):
            line = resolve(line.strip())
        out.append(line)
    return "\n".join(out) + "\n"
