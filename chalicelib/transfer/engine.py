"""The executor: N workers doing ranged GET → UploadPart (or UploadPartCopy on
the same store), a checkpoint after every part, a deadline that stops new parts,
and a completion that is confirmed by HEAD. Memory stays at workers × part size.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.errors import GiveUpError, RetryableError
from chalicelib.observability import logger
from chalicelib.settings import Settings
from chalicelib.transfer.checkpoint import Checkpoint, CheckpointStore, CopyInProgressError
from chalicelib.transfer.destination import Destination
from chalicelib.transfer.integrity import Integrity, checksum_args, resolve
from chalicelib.transfer.plan import MIB, Part, Plan, plan
from chalicelib.transfer.progress import Progress, ProgressCallback
from chalicelib.transfer.retry import classify, retrying
from chalicelib.transfer.sources import S3Source, Source, fill


class Status(StrEnum):
    DONE = "done"  # the destination now holds the copy
    ALREADY_DONE = "already_done"  # it already did: nothing was moved
    CONTINUE = "continue"  # the deadline came first: resume with the same copy id


@dataclass(frozen=True)
class TransferConfig:
    workers: int = 4
    target_part_size: int = 16 * MIB
    integrity: Integrity = Integrity.AUTO
    deadline_margin_s: float = 30.0
    part_attempts: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> TransferConfig:
        return cls(workers=settings.transfer_workers, target_part_size=settings.transfer_part_mib * MIB,
                   integrity=Integrity(settings.transfer_integrity))


@dataclass(frozen=True)
class Outcome:
    status: Status
    size: int
    parts_moved: int


def copy_id_for(destination: Destination) -> str:
    """Checkpoints are keyed by destination: one copy per archive object at a time."""
    return hashlib.sha256(f"{destination.uri}".encode()).hexdigest()[:32]


class Copier:
    def __init__(self, source: Source, destination: Destination, checkpoints: CheckpointStore, *,
                 config: TransferConfig = TransferConfig(), remaining_s: Callable[[], float] | None = None,
                 progress: ProgressCallback | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.source, self.destination, self.checkpoints, self.config = source, destination, checkpoints, config
        self.remaining_s = remaining_s or (lambda: float("inf"))
        self.plan: Plan = plan(source.size, config.target_part_size)
        self.copy_id = copy_id_for(destination)
        self.progress = Progress(source.size, progress)
        self.sleep = sleep
        self._buffers = threading.local()
        self._stop = threading.Event()
        self.parts_moved = 0
        self._count_lock = threading.Lock()

    # -- entry -------------------------------------------------------------------------------------
    def run(self) -> Outcome:
        source, plan_ = self.source, self.plan
        if self._retry(lambda: self.destination.holds(source.size, source.identity), "HEAD destination"):
            self._retry(lambda: self.checkpoints.delete(self.copy_id), "checkpoint")
            return Outcome(Status.ALREADY_DONE, source.size, 0)
        if not plan_.multipart:
            self._single_request()
            return Outcome(Status.DONE, source.size, 1)
        checkpoint = self._start_or_resume()
        pending = [p for p in plan_.parts() if p.number not in checkpoint.parts]
        if checkpoint.parts:
            self.progress.add(sum(plan_.part(n).size for n in checkpoint.parts))
        try:
            self._move(checkpoint, pending)
            if len(checkpoint.parts) < plan_.part_count:
                logger.info("copy paused at deadline", extra={"parts_done": len(checkpoint.parts),
                                                              "parts": plan_.part_count})
                return Outcome(Status.CONTINUE, source.size, self.parts_moved)
            self._complete(checkpoint)
        except GiveUpError:
            self._abandon(checkpoint)  # a permanent failure never leaves an upload open
            raise
        return Outcome(Status.DONE, source.size, self.parts_moved)

    # -- small objects -----------------------------------------------------------------------------
    def _single_request(self) -> None:
        source, destination = self.source, self.destination
        if self._server_side():
            assert isinstance(source, S3Source)
            self._retry(lambda: destination.copy_object({"Bucket": source.bucket, "Key": source.key},
                                                        source.identity, source.uri), "CopyObject")
        else:
            integrity = resolve(self.config.integrity, destination.client, destination.bucket)

            def attempt() -> None:
                body = self._read(self.plan.part(1)) if source.size else bytearray()
                destination.put(body, source.identity, source.uri, checksum_args(integrity, body))

            self._retry(attempt, "PutObject")
        self._count(source.size)
        self._confirm()

    # -- multipart ---------------------------------------------------------------------------------
    def _start_or_resume(self) -> Checkpoint:
        found: Checkpoint | None = self._retry(lambda: self.checkpoints.load(self.copy_id), "checkpoint")
        if found and (found.source_identity != self.source.identity or found.part_size != self.plan.part_size):
            logger.info("source changed since the checkpoint: starting over", extra={"uri": self.source.uri})
            self._abandon(found)
            found = None
        if found:
            try:
                found.parts = self._retry(lambda: self.destination.listed_parts(found.upload_id), "ListParts")
                return found
            except GiveUpError:  # NoSuchUpload (aborted elsewhere) or refused: start clean
                self._abandon(found)
        # UploadPartCopy: the store copies its own bytes, so there is nothing to checksum or probe.
        integrity = Integrity.MD5 if self._server_side() else resolve(
            self.config.integrity, self.destination.client, self.destination.bucket)
        upload_id = self._retry(lambda: self.destination.create(self.source.identity, self.source.uri, integrity),
                                "CreateMultipartUpload")
        checkpoint = Checkpoint(upload_id, self.source.identity, self.source.size, self.plan.part_size, integrity)
        try:
            self._retry(lambda: self.checkpoints.create(self.copy_id, checkpoint), "checkpoint")
        except CopyInProgressError:
            self._retry(lambda: self.destination.abort(upload_id), "AbortMultipartUpload")  # the other run's
            raise
        return checkpoint

    def _move(self, checkpoint: Checkpoint, pending: list[Part]) -> None:
        """Move the pending parts; the first failure stops new parts, in-flight ones finish."""
        move = self._copy_part if self._server_side() else self._upload_part
        with ThreadPoolExecutor(self.config.workers, thread_name_prefix="copy") as pool:
            if self.source.ranged:
                futures = [pool.submit(self._guarded, move, checkpoint, part) for part in pending]
            else:
                futures = list(self._stream_parts(pool, checkpoint, pending))
            wait(futures)
        errors = [f.exception() for f in futures if f.exception()]
        if errors:  # a give-up (abort) outranks a retry (keep the checkpoint)
            raise next((e for e in errors if isinstance(e, GiveUpError)), errors[0])  # type: ignore[misc]

    def _deadline_near(self) -> bool:
        return self.remaining_s() < self.config.deadline_margin_s

    def _guarded(self, move: Callable[..., None], checkpoint: Checkpoint, part: Part, *body: bytearray) -> None:
        """Start a part only while no part failed and the deadline is not near."""
        if self._stop.is_set() or self._deadline_near():
            self._stop.set()
            return
        try:
            move(checkpoint, part, *body)
        except BaseException:
            self._stop.set()
            raise

    def _upload_part(self, checkpoint: Checkpoint, part: Part, body: bytearray | None = None) -> None:
        integrity = Integrity(checkpoint.integrity)

        def attempt() -> dict[str, str]:
            data = body if body is not None else self._read(part)
            return self.destination.upload_part(checkpoint.upload_id, part.number, data, checksum_args(integrity, data))

        self._finish(checkpoint, part, self._retry(attempt, f"part {part.number}"))

    def _copy_part(self, checkpoint: Checkpoint, part: Part) -> None:
        assert isinstance(self.source, S3Source)
        source = {"Bucket": self.source.bucket, "Key": self.source.key}
        result = self._retry(lambda: self.destination.copy_part(checkpoint.upload_id, part.number, source,
                                                                part.range_header, self.source.identity),
                             f"part {part.number}")
        self._finish(checkpoint, part, result)

    def _finish(self, checkpoint: Checkpoint, part: Part, result: dict[str, str]) -> None:
        checkpoint.parts[part.number] = result
        self._retry(lambda: self.checkpoints.record_part(self.copy_id, part.number, result), "checkpoint")
        self._count(part.size)

    def _stream_parts(self, pool: ThreadPoolExecutor, checkpoint: Checkpoint,
                      pending: list[Part]) -> Iterator[Future[None]]:
        """One ordered stream (a server that ignores Range): read here, upload on the pool,
        with at most `workers` buffers in flight."""
        wanted = {p.number for p in pending}
        free = [bytearray(self.plan.part_size) for _ in range(self.config.workers)]
        available = threading.Semaphore(len(free))
        lock = threading.Lock()
        stream = self.source.stream()
        try:
            for part in self.plan.parts():
                if self._stop.is_set() or self._deadline_near():
                    self._stop.set()
                    return
                available.acquire()
                with lock:
                    buffer = free.pop()
                try:
                    fill(stream, memoryview(buffer)[: part.size])
                except Exception as exc:
                    raise classify(exc, self.source.uri) from exc
                if part.number not in wanted:
                    with lock:
                        free.append(buffer)
                    available.release()
                    continue
                body = buffer if part.size == len(buffer) else buffer[: part.size]  # copies the last part only

                def upload(part: Part = part, body: bytearray = body, buffer: bytearray = buffer) -> None:
                    try:
                        self._guarded(self._upload_part, checkpoint, part, body)
                    finally:
                        with lock:
                            free.append(buffer)
                        available.release()

                yield pool.submit(upload)
        finally:
            stream.close()

    def _complete(self, checkpoint: Checkpoint) -> None:
        def attempt() -> None:
            try:
                self.destination.complete(checkpoint.upload_id, checkpoint.parts)
            except Exception as exc:
                # A Complete that failed or timed out may have succeeded: look before retrying.
                try:
                    if self.destination.holds(self.source.size, self.source.identity):
                        return
                except Exception as head_exc:
                    raise classify(head_exc, "HEAD", source=False) from exc
                raise classify(exc, "CompleteMultipartUpload", source=False) from exc

        retrying(attempt, attempts=self.config.part_attempts, sleep=self.sleep)
        self._confirm()
        self._retry(lambda: self.checkpoints.delete(self.copy_id), "checkpoint")

    def _confirm(self) -> None:
        if not self._retry(lambda: self.destination.holds(self.source.size, self.source.identity), "HEAD"):
            raise GiveUpError("copy did not verify", detail=f"{self.destination.uri}: size or identity differ")

    def _abandon(self, checkpoint: Checkpoint) -> None:
        """Abort the upload and forget its checkpoint (reconciliation aborts what this misses)."""
        try:
            self._retry(lambda: self.destination.abort(checkpoint.upload_id), "AbortMultipartUpload")
        finally:
            self._retry(lambda: self.checkpoints.delete(self.copy_id), "checkpoint")

    # -- helpers -----------------------------------------------------------------------------------
    def _read(self, part: Part) -> bytearray:
        """The part's bytes in this worker's reused buffer (botocore takes a bytearray
        body as is; a memoryview it would not). Only a short last part gets its own."""
        if part.size != self.plan.part_size:
            buffer = bytearray(part.size)
        else:
            buffer = getattr(self._buffers, "buffer", None) or bytearray(part.size)
            self._buffers.buffer = buffer
        self.source.read_into(part, memoryview(buffer))
        return buffer

    def _server_side(self) -> bool:
        return isinstance(self.source, S3Source) and self.source.same_store(self.destination.client)

    def _retry(self, action: Callable[[], Any], what: str) -> Any:
        def attempt() -> Any:
            try:
                return action()
            except (RetryableError, GiveUpError):
                raise
            except Exception as exc:
                raise classify(exc, what, source=False) from exc

        return retrying(attempt, attempts=self.config.part_attempts, sleep=self.sleep, stop=self._deadline_near)

    def _count(self, size: int) -> None:
        with self._count_lock:
            self.parts_moved += 1
        self.progress.add(size)
