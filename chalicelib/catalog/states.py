"""The recording state machine (design §3), pure.

announced → ready → archiving → archived → processed, and failed from any
non-terminal state. A transition only ever moves forward: late or out-of-order
events change nothing (they stay in the history)."""

from __future__ import annotations

from enum import StrEnum

from chalicelib.events import EventType


class Status(StrEnum):
    ANNOUNCED = "announced"
    READY = "ready"
    ARCHIVING = "archiving"
    ARCHIVED = "archived"
    PROCESSED = "processed"
    FAILED = "failed"


RANK = {Status.ANNOUNCED: 1, Status.READY: 2, Status.ARCHIVING: 3, Status.ARCHIVED: 4, Status.PROCESSED: 5,
        Status.FAILED: 6}
TERMINAL = frozenset({Status.PROCESSED, Status.FAILED})

# What a provider's event means for its recording (stream events have no recording state).
TARGET = {
    EventType.RECORDING_STARTED: Status.ANNOUNCED,
    EventType.RECORDING_READY: Status.READY,
    EventType.RECORDING_FAILED: Status.FAILED,
    EventType.RECORDING_ARCHIVED: Status.ARCHIVED,
    EventType.RECORDING_PROCESSED: Status.PROCESSED,
}


def may_move(current: Status | None, target: Status) -> bool:
    """Whether a recording in `current` (None: unknown yet) may move to `target`."""
    if current is None:
        return True
    if current in TERMINAL:
        return False
    return target is Status.FAILED or RANK[target] > RANK[current]
