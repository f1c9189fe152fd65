"""Multipart upload of a stream of unknown length (FFmpeg writing fragmented MP4
to a pipe): parts are read in order into at most `workers` buffers and uploaded
as they fill. A pipe cannot be resumed, so any failure aborts the upload."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, BinaryIO

from chalicelib.errors import GiveUpError
from chalicelib.transfer.destination import Destination
from chalicelib.transfer.engine import TransferConfig
from chalicelib.transfer.errors import TransientTransferError
from chalicelib.transfer.integrity import checksum_args, resolve
from chalicelib.transfer.retry import classify, retrying


def read_up_to(stream: BinaryIO, buffer: bytearray) -> int:
    """Fill `buffer` from `stream`; fewer bytes only at the end of the stream."""
    view, filled = memoryview(buffer), 0
    while filled < len(buffer):
        count = stream.readinto(view[filled:])  # type: ignore[attr-defined]
        if not count:
            break
        filled += count
    return filled


def upload_stream(stream: BinaryIO, destination: Destination, *, identity: str, source_uri: str,
                  config: TransferConfig | None = None, remaining_s: Callable[[], float] | None = None,
                  before_complete: Callable[[], None] = lambda: None,
                  sleep: Callable[[float], None] = time.sleep) -> int:
    """Upload everything `stream` yields; `before_complete` may still veto (raise)
    before the object becomes visible. Returns the byte count once HEAD confirms it."""
    config = config or TransferConfig()
    remaining = remaining_s or (lambda: float("inf"))
    integrity = resolve(config.integrity, destination.client, destination.bucket)
    upload_id = destination.create(identity, source_uri, integrity)
    parts: dict[int, dict[str, str]] = {}
    lock = threading.Lock()
    free = [bytearray(config.target_part_size) for _ in range(config.workers)]
    available = threading.Semaphore(len(free))
    total = 0

    def send(number: int, body: bytearray, buffer: bytearray) -> None:
        try:
            result = retrying(lambda: _upload(destination, upload_id, number, body, integrity),
                              attempts=config.part_attempts, sleep=sleep,
                              stop=lambda: remaining() < config.deadline_margin_s)
            with lock:
                parts[number] = result
        finally:
            with lock:
                free.append(buffer)
            available.release()

    try:
        futures: list[Future[None]] = []
        with ThreadPoolExecutor(config.workers, thread_name_prefix="stream") as pool:
            for number in range(1, 10_001):
                if remaining() < config.deadline_margin_s or any(f.done() and f.exception() for f in futures):
                    break
                available.acquire()
                with lock:
                    buffer = free.pop()
                count = read_up_to(stream, buffer)
                if count == 0:
                    with lock:
                        free.append(buffer)
                    available.release()
                    break
                total += count
                futures.append(pool.submit(send, number, buffer if count == len(buffer) else buffer[:count], buffer))
                if count < len(buffer):
                    break
            wait(futures)
        errors = [f.exception() for f in futures if f.exception()]
        if errors:
            raise errors[0]  # type: ignore[misc]
        if stream.read(1):
            raise TransientTransferError("stream stopped before its end", detail="deadline or part limit")
        before_complete()  # e.g. the producer's exit status: never publish a broken stream
        if not parts:  # an empty stream: S3 wants at least one part
            parts[1] = _upload(destination, upload_id, 1, bytearray(), integrity)
        destination.complete(upload_id, parts)
        head = destination.head()
        if not head or head["ContentLength"] != total:
            raise GiveUpError("streamed upload did not verify", detail=destination.uri)
        return total
    except BaseException:
        destination.abort(upload_id)
        raise


def _upload(destination: Destination, upload_id: str, number: int, body: bytearray, integrity: Any) -> dict[str, str]:
    try:
        return destination.upload_part(upload_id, number, body, checksum_args(integrity, body))
    except Exception as exc:
        raise classify(exc, f"part {number}", source=False) from exc
