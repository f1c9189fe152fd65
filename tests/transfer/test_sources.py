"""HTTP sources with and without Range, local files, and the SSRF guard."""

from __future__ import annotations

import pytest

from chalicelib.transfer.errors import SourceChangedError, SourceRefusedError
from chalicelib.transfer.guard import UrlGuard
from chalicelib.transfer.locations import http_pool
from chalicelib.transfer.plan import MIB
from chalicelib.transfer.sources import FileSource, HttpSource
from tests.transfer.conftest import copy, random_bytes, sha256
from tests.transfer.servers import media_server, serving

LOOPBACK = UrlGuard(allowed_hosts=("127.0.0.1",), allow_private=True)


@pytest.mark.parametrize("ranges", [True, False], ids=["range", "no-range"])
def test_http_source_is_byte_identical(stores, ranges):
    data = random_bytes(20 * MIB + 17)
    handler = media_server(data, ranges)
    with serving(handler) as url:
        source = HttpSource(f"{url}/highest.mp4", LOOPBACK, http_pool(4))
        assert (source.size, source.ranged) == (len(data), ranges)
        destination = stores.destination()
        assert copy(source, destination).status == "done"
    assert sha256(stores.archived(destination)) == sha256(data)
    if not ranges:  # one ordered stream, not one request per part
        assert handler.requests.count("") == 1


def test_http_source_that_changes_is_refused(stores):
    data = random_bytes(9 * MIB)
    with serving(media_server(data, ranges=True)) as url:
        source = HttpSource(f"{url}/x.mp4", LOOPBACK, http_pool(4))
    with serving(media_server(data, ranges=True, etag='"v2"')) as url:
        source.url = f"{url}/x.mp4"
        destination = stores.destination()
        with pytest.raises(SourceChangedError):
            copy(source, destination)
    assert stores.open_uploads(destination) == []


def test_local_file_source(stores, tmp_path):
    path = tmp_path / "rec.flv"
    data = random_bytes(17 * MIB)
    path.write_bytes(data)
    destination = stores.destination()
    copy(FileSource(str(path)), destination)
    assert sha256(stores.archived(destination)) == sha256(data)


def fixed(*addresses: str):
    return lambda host, port: list(addresses)


def test_host_not_on_the_allow_list_is_refused():
    with pytest.raises(SourceRefusedError, match="not allowed"):
        UrlGuard(resolver=fixed("93.184.216.34")).check("https://evil.example.com/x.mp4")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "169.254.169.254", "192.168.1.1", "::1", "fd00::1"])
def test_private_addresses_are_refused(address):
    with pytest.raises(SourceRefusedError, match="non-public"):
        UrlGuard(resolver=fixed(address)).check("https://stream.mux.com/abc/highest.mp4")


def test_public_allowed_host_passes_and_http_is_refused():
    guard = UrlGuard(resolver=fixed("151.101.1.1"))
    guard.check("https://customer-abc.cloudflarestream.com/uid/downloads/default.mp4")
    with pytest.raises(SourceRefusedError):
        guard.check("http://stream.mux.com/abc/highest.mp4")


def test_redirect_to_a_refused_host_is_refused():
    class Redirect(media_server(b"", True)):  # type: ignore[misc, valid-type]
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://localhost:1/internal")
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Redirect) as url, pytest.raises(SourceRefusedError, match="not allowed"):
        HttpSource(f"{url}/x.mp4", LOOPBACK, http_pool(4))


def test_file_changed_during_copy_is_refused(tmp_path):
    from chalicelib.transfer.plan import Part

    path = tmp_path / "a.flv"
    path.write_bytes(b"a" * 100)
    source = FileSource(str(path))
    path.write_bytes(b"b" * 101)
    with pytest.raises(SourceChangedError):
        source.read_into(Part(1, 0, 99), memoryview(bytearray(100)))


@pytest.mark.parametrize("url", [
    "https://evil.example\\@stream.mux.com/x.mp4",
    "https://user:pass@stream.mux.com/x.mp4",
    "https://stream.mux.com@10.0.0.5/x.mp4",
    "https://stream.mux.com\t/x.mp4",
])
def test_urls_that_parsers_read_differently_are_refused(url):
    with pytest.raises(SourceRefusedError):
        UrlGuard(resolver=fixed("151.101.1.1")).check(url)


@pytest.mark.parametrize(("errno", "expected"), [("EAI_NONAME", "SourceRefusedError"),
                                                 ("EAI_AGAIN", "TransientTransferError")])
def test_a_name_that_does_not_exist_is_refused_and_a_lookup_hiccup_is_retried(errno, expected):
    import socket

    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(getattr(socket, errno), "lookup failed")

    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class is the parameter
        UrlGuard(resolver=failing).check("https://stream.mux.com/abc/highest.mp4")
    assert type(caught.value).__name__ == expected
