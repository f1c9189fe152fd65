"""The one place FFmpeg runs: a clean environment, a timeout from the deadline,
the stderr tail in errors, and no partial output or temp file on any path."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar, cast

from chalicelib.errors import redact_urls
from chalicelib.media.errors import MediaError, MediaTimeoutError, SegmentUnreadableError

T = TypeVar("T")
STDERR_TAIL = 2000
# FFmpeg's HLS demuxer on a segment it could not fetch: it logs, skips it, and exits 0.
SKIPPED_SEGMENT = re.compile(r"Failed to open segment|failed too many times, skipping")


def failure_detail(returncode: int, stderr: str) -> str:
    return f"exit {returncode}: {redact_urls(stderr[-STDERR_TAIL:].strip())}"


def check_segments(stderr: str) -> None:
    """Raise SegmentUnreadableError when FFmpeg skipped a segment (see SKIPPED_SEGMENT)."""
    found = SKIPPED_SEGMENT.search(stderr)
    if found:
        line = next((ln for ln in stderr.splitlines() if found.group(0) in ln), found.group(0))
        raise SegmentUnreadableError("an HLS segment could not be read", detail=redact_urls(line.strip())[:300])
# Only what FFmpeg needs: chalice's test client does not export its env to children anyway.
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}


@dataclass(frozen=True)
class Completed:
    stdout: bytes
    stderr: str
    returncode: int


def run(argv: Sequence[str], timeout_s: float, *, allow_failure: bool = False) -> Completed:
    """Run FFmpeg; MediaTimeoutError past `timeout_s`, MediaError on a non-zero exit."""
    if timeout_s <= 0:
        raise MediaTimeoutError("no time left to run FFmpeg", detail=argv[0])
    process = subprocess.Popen(  # noqa: S603 - argument lists built by commands.py, no shell
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=CLEAN_ENV, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise MediaTimeoutError("FFmpeg timed out", detail=f"after {timeout_s:.1f} s") from None
    except BaseException:
        _kill(process)
        raise
    text = stderr.decode("utf-8", "replace")
    if process.returncode != 0 and not allow_failure:
        raise MediaError("FFmpeg failed", detail=failure_detail(process.returncode, text))
    return Completed(stdout, text, process.returncode)


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # FFmpeg and anything it started
    process.communicate()


@contextlib.contextmanager
def workspace(prefix: str = "relay-media-") -> Iterator[Path]:
    """A temp directory removed on every path, success or failure."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_streaming(argv: Sequence[str], timeout_s: float,
                  consume: Callable[[BinaryIO, Callable[[], None]], T]) -> T:
    """Run FFmpeg writing to stdout; `consume(pipe, finished)` reads the pipe and
    calls `finished()` before it commits anything: that waits for FFmpeg and raises
    if it failed or timed out. FFmpeg is killed if `consume` fails."""
    if timeout_s <= 0:
        raise MediaTimeoutError("no time left to run FFmpeg", detail=argv[0])
    with tempfile.TemporaryFile() as errors:  # stderr to a file: a full pipe would stall FFmpeg
        process = subprocess.Popen(  # noqa: S603 - argument lists built by commands.py, no shell
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=CLEAN_ENV,
            start_new_session=True)
        timer = threading.Timer(timeout_s, lambda: _signal_group(process))

        def finished() -> None:
            process.wait()
            if process.returncode == -signal.SIGKILL:
                raise MediaTimeoutError("FFmpeg timed out", detail=f"after {timeout_s:.1f} s")
            errors.seek(0)
            text = errors.read().decode("utf-8", "replace")
            if process.returncode != 0:
                raise MediaError("FFmpeg failed", detail=failure_detail(process.returncode, text))
            check_segments(text)

        timer.start()
        try:
            assert process.stdout is not None
            result = consume(cast(BinaryIO, process.stdout), finished)
            finished()
            return result
        except BaseException:
            _signal_group(process)
            process.wait()
            raise
        finally:
            timer.cancel()


def _signal_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def timeout_from(remaining_ms: int, margin_s: float = 30.0, cap_s: float = 900.0) -> float:
    """FFmpeg's time budget from a Lambda's `get_remaining_time_in_millis()`."""
    return max(0.0, min(cap_s, remaining_ms / 1000 - margin_s))


@contextlib.contextmanager
def published(output: str) -> Iterator[Path]:
    """A hidden partial path beside `output`: renamed into place when the block
    succeeds, removed when it fails, so no half-written file is ever visible."""
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
