"""Sources that report their size and identity up front and read byte ranges
straight into a caller's buffer (no copy beyond what the HTTP stack needs)."""

from __future__ import annotations

import os
from typing import Any, BinaryIO, Protocol
from urllib.parse import urljoin

from chalicelib.transfer.errors import SourceChangedError, SourceGoneError, TruncatedReadError
from chalicelib.transfer.guard import UrlGuard
from chalicelib.transfer.plan import Part

MAX_REDIRECTS = 5


class Source(Protocol):
    uri: str
    size: int
    identity: str
    ranged: bool  # False: the source must be read once, in order, through `stream()`

    def read_into(self, part: Part, buffer: memoryview) -> None: ...

    def stream(self) -> BinaryIO: ...


def fill(stream: Any, buffer: memoryview) -> None:
    """Read exactly len(buffer) bytes from a readinto-capable stream.

    urllib3's `readinto` reads into a temporary bytes and copies it over; the
    http.client response underneath (`_fp`) receives straight into our buffer,
    saving a copy of every byte. Nothing to decode: we never ask for compression.
    """
    raw = getattr(stream, "_fp", None) or stream
    filled = 0
    while filled < len(buffer):
        count = raw.readinto(buffer[filled:])
        if not count:
            raise TruncatedReadError("source body ended early", detail=f"{filled} of {len(buffer)} bytes")
        filled += count


class S3Source:
    """An object on any S3 endpoint, read with ranged GETs pinned to its ETag."""

    ranged = True

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        from chalicelib.transfer.retry import classify

        self.client, self.bucket, self.key = client, bucket, key
        self.uri = f"s3://{bucket}/{key}"
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            raise classify(exc, self.uri) from exc
        self.size: int = head["ContentLength"]
        self.identity: str = head["ETag"]

    def read_into(self, part: Part, buffer: memoryview) -> None:
        from chalicelib.transfer.retry import classify

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=part.range_header,
                                            IfMatch=self.identity)
        except Exception as exc:
            raise classify(exc, self.uri) from exc
        raw = answer["Body"]._raw_stream  # the urllib3 response under botocore's StreamingBody
        try:
            fill(raw, buffer[: part.size])
        except BaseException:
            raw.close()
            raise
        raw.release_conn()  # read to the end: the connection goes back to the pool

    def stream(self) -> BinaryIO:
        raise NotImplementedError("S3 sources are always ranged")

    def same_store(self, client: Any) -> bool:
        """True when `client` reaches the same endpoint with the same credentials."""
        return bool(client.meta.endpoint_url == self.client.meta.endpoint_url
                    and _access_key(client) == _access_key(self.client))


def _access_key(client: Any) -> str | None:
    credentials = client._request_signer._credentials  # botocore keeps them here; no public accessor
    return getattr(credentials, "access_key", None)


class HttpSource:
    """A download URL. Ranged GETs when the server honours Range, else one
    ordered stream. Every hop is checked by the SSRF guard."""

    def __init__(self, url: str, guard: UrlGuard, pool: Any) -> None:
        self.uri, self.guard, self.pool = url, guard, pool
        probe, self.url = self._request("GET", url, {"Range": "bytes=0-0"})
        try:
            self.ranged = probe.status == 206
            self.identity = probe.headers.get("ETag") or probe.headers.get("Last-Modified") or ""
            if self.ranged:
                self.size = int(probe.headers["Content-Range"].rsplit("/", 1)[1])
            else:
                self.size = int(probe.headers["Content-Length"])
        except (KeyError, ValueError) as exc:
            raise SourceGoneError("source size unknown", detail=f"{url}: no Content-Range/Length") from exc
        finally:
            probe.close()  # unread (maybe a whole 200 body): never back into the pool

    def read_into(self, part: Part, buffer: memoryview) -> None:
        answer, _ = self._request("GET", self.url, {"Range": part.range_header})
        try:
            if answer.status != 206:
                raise TruncatedReadError("server ignored Range", detail=f"status {answer.status}")
            self._check_identity(answer)
            fill(answer, buffer[: part.size])
        except BaseException:
            answer.close()  # a half-read body must not go back into the pool
            raise
        answer.release_conn()

    def stream(self) -> BinaryIO:
        answer, _ = self._request("GET", self.url, {})
        self._check_identity(answer)
        return answer  # type: ignore[no-any-return]

    def _check_identity(self, answer: Any) -> None:
        seen = answer.headers.get("ETag") or answer.headers.get("Last-Modified") or ""
        if self.identity and seen and seen != self.identity:
            raise SourceChangedError("source changed during the copy", detail=f"{self.identity} -> {seen}")

    def _request(self, method: str, url: str, headers: dict[str, str]) -> tuple[Any, str]:
        """The response (body unread) and the URL that answered, after checked redirects."""
        from chalicelib.transfer.retry import classify

        for _ in range(MAX_REDIRECTS + 1):
            self.guard.check(url)
            try:
                answer = self.pool.request(method, url, headers=headers, preload_content=False, redirect=False,
                                           decode_content=False)
            except Exception as exc:
                raise classify(exc, url) from exc
            if answer.status in (301, 302, 303, 307, 308) and answer.headers.get("Location"):
                answer.close()
                url = urljoin(url, answer.headers["Location"])
                continue
            if answer.status in (404, 410, 401, 403):
                answer.close()
                raise SourceGoneError("source not readable", detail=f"{url}: HTTP {answer.status}")
            if answer.status >= 400:
                answer.close()
                raise TruncatedReadError("source answered an error", detail=f"HTTP {answer.status}")
            return answer, url
        raise SourceGoneError("too many redirects", detail=url)


class FileSource:
    """A local file, read with pread at each part's offset."""

    ranged = True

    def __init__(self, path: str) -> None:
        self.uri = path
        try:
            stat = os.stat(path)
        except OSError as exc:
            raise SourceGoneError("source file not readable", detail=path) from exc
        self.size = stat.st_size
        self.identity = f"{stat.st_size}-{stat.st_mtime_ns}"

    def read_into(self, part: Part, buffer: memoryview) -> None:
        stat = os.stat(self.uri)
        if f"{stat.st_size}-{stat.st_mtime_ns}" != self.identity:
            raise SourceChangedError("source file changed during the copy", detail=self.uri)
        with open(self.uri, "rb", buffering=0) as file:
            filled = 0
            view = buffer[: part.size]
            while filled < part.size:
                count = os.preadv(file.fileno(), [view[filled:]], part.start + filled)
                if not count:
                    raise TruncatedReadError("file ended early", detail=self.uri)
                filled += count

    def stream(self) -> BinaryIO:
        raise NotImplementedError("file sources are always ranged")
