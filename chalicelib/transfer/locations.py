"""From location strings to sources and destinations.

- `s3://bucket/key`: an AWS S3 object (AWS credentials and endpoint settings);
- `vultr://bucket/key`: an object in the Vultr archive store;
- `http://…`, `https://…`: a download URL, through the SSRF guard;
- anything else: a local file path.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from chalicelib import clients
from chalicelib.errors import BadRequestError
from chalicelib.settings import get_settings
from chalicelib.transfer.destination import Destination
from chalicelib.transfer.guard import UrlGuard, guard_from_settings
from chalicelib.transfer.sources import FileSource, HttpSource, S3Source, Source


def split_bucket_key(location: str) -> tuple[str, str, str]:
    """`scheme://bucket/key` -> (scheme, bucket, key). Split by hand, not urlsplit:
    S3 keys may hold `#` and `?`, which a URL parser would take as fragment and query."""
    scheme, sep, rest = location.partition("://")
    bucket, _, key = rest.partition("/")
    if not sep or not bucket or not key.lstrip("/"):
        raise BadRequestError("location needs a bucket and a key", detail=location)
    return scheme, bucket, key.lstrip("/")


def transfer_client(workers: int) -> Any:
    """The archive client for bulk data: a pool per worker, no SigV4 payload hash
    (every body carries Content-MD5 or CRC32 instead), and one attempt per call:
    the engine retries parts itself, and stops retrying when the deadline nears."""
    return clients.vultr(max_pool_connections=workers + 2, sign_payload=False, attempts=1)


def open_source(location: str, workers: int = 4, guard: UrlGuard | None = None) -> Source:
    scheme = urlsplit(location).scheme
    if scheme in ("http", "https"):
        settings = get_settings()
        guard = guard or guard_from_settings(settings.allowed_source_hosts, settings.allow_private_sources,
                                             (settings.mux_stream_url, settings.cloudflare_api_url))
        return HttpSource(location, guard, http_pool(workers))
    if scheme == "s3":
        _, bucket, key = split_bucket_key(location)
        return S3Source(clients.aws("s3"), bucket, key)
    if scheme == "vultr":
        _, bucket, key = split_bucket_key(location)
        return S3Source(transfer_client(workers), bucket, key)
    if scheme and len(scheme) > 1:
        raise BadRequestError("unsupported source scheme", detail=scheme)
    return FileSource(location)


def open_destination(location: str, workers: int = 4) -> Destination:
    scheme, bucket, key = split_bucket_key(location)
    if scheme != "vultr":
        raise BadRequestError("destinations are vultr://bucket/key", detail=location)
    return Destination(transfer_client(workers), bucket, key)


@functools.cache
def http_pool(workers: int) -> Any:
    import urllib3

    return urllib3.PoolManager(maxsize=workers + 2, retries=False,
                               timeout=urllib3.Timeout(connect=10, read=60))
