"""Progress of a copy: bytes done, rate and ETA, reported through a callback."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressReport:
    done: int
    total: int
    rate_bps: float
    eta_s: float | None


ProgressCallback = Callable[[ProgressReport], None]


class Progress:
    def __init__(self, total: int, callback: ProgressCallback | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.callback, self.clock = total, callback, clock
        self.started = clock()
        self.done = 0
        self._lock = threading.Lock()

    def add(self, count: int) -> ProgressReport:
        with self._lock:
            self.done += count
            report = self.report()
        if self.callback:
            self.callback(report)
        return report

    def report(self) -> ProgressReport:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else None
        return ProgressReport(self.done, self.total, rate, eta)
