"""Poster, sprite and WebVTT planning (pure): where to grab frames, the grid,
and the cues that map each time range to its tile."""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_INTERVAL_S = 10.0
MAX_TILES = 100
COLUMNS = 10
# Measured on a 30-min 720p file: one input seek per tile costs 0.07–0.15 s, one
# keyframe-only pass about 2.2 s whatever the count; seeking wins below ~20 tiles.
SEEK_COST_S, PASS_COST_S = 0.11, 2.2


@dataclass(frozen=True)
class SpritePlan:
    duration_s: float
    count: int
    interval_s: float
    tile_width: int
    tile_height: int
    columns: int

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.columns)

    def span(self, index: int) -> tuple[float, float]:
        """The time range tile `index` stands for (the last one ends with the media)."""
        start = index * self.interval_s
        end = self.duration_s if index == self.count - 1 else min(self.duration_s, start + self.interval_s)
        return start, end

    @property
    def times(self) -> list[float]:
        """Where each tile is taken: the middle of its time range."""
        return [sum(self.span(i)) / 2 for i in range(self.count)]

    @property
    def use_seeks(self) -> bool:
        return self.count * SEEK_COST_S < PASS_COST_S

    def cell(self, index: int) -> tuple[int, int, int, int]:
        return (index % self.columns * self.tile_width, index // self.columns * self.tile_height,
                self.tile_width, self.tile_height)


def plan_sprite(duration_s: float, width: int, height: int, tile_width: int = 160,
                interval_s: float = DEFAULT_INTERVAL_S, max_tiles: int = MAX_TILES) -> SpritePlan:
    """One tile per `interval_s` (at least one), capped at `max_tiles` by widening the interval."""
    if duration_s <= 0 or width <= 0 or height <= 0:
        raise ValueError("sprite needs a positive duration and geometry")
    count = min(max_tiles, max(1, math.ceil(duration_s / interval_s)))
    interval = duration_s / count if count == max_tiles else interval_s
    tile_height = max(2, round(tile_width * height / width / 2) * 2)
    return SpritePlan(duration_s, count, interval, tile_width, tile_height, min(COLUMNS, count))


def poster_times(duration_s: float) -> list[float]:
    """Candidates for the poster: 10 % in, then later points if a frame is black."""
    return [duration_s * share for share in (0.10, 0.25, 0.50)]


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def webvtt(plan: SpritePlan, sprite_name: str = "sprite.jpg") -> str:
    """WebVTT cues covering [0, duration] with `sprite.jpg#xywh=x,y,w,h` payloads."""
    lines = ["WEBVTT", ""]
    for index in range(plan.count):
        start, end = plan.span(index)
        x, y, w, h = plan.cell(index)
        lines += [f"{_stamp(start)} --> {_stamp(end)}", f"{sprite_name}#xywh={x},{y},{w},{h}", ""]
    return "\n".join(lines)
