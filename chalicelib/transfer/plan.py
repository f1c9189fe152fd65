"""Pure multipart planning: part size and byte ranges from the object size."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024
MIN_PART = 8 * MIB  # our floor; S3's own minimum is 5 MiB for all but the last part
MAX_PARTS = 10_000
MAX_PART = 5 * 1024 * MIB


@dataclass(frozen=True)
class Part:
    number: int  # 1-based, as S3 numbers parts
    start: int
    end: int  # inclusive, as in an HTTP Range

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    @property
    def range_header(self) -> str:
        return f"bytes={self.start}-{self.end}"


@dataclass(frozen=True)
class Plan:
    size: int
    part_size: int

    @property
    def multipart(self) -> bool:
        """Objects of one part or less go up as a single PUT."""
        return self.size > self.part_size

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def parts(self) -> list[Part]:
        return [self.part(n) for n in range(1, self.part_count + 1)]

    def part(self, number: int) -> Part:
        start = (number - 1) * self.part_size
        return Part(number, start, min(start + self.part_size, self.size) - 1)


def plan(size: int, target_part_size: int = 16 * MIB, max_parts: int = MAX_PARTS) -> Plan:
    """Part size: the target, raised to keep within `max_parts`, at least 8 MiB,
    rounded up to whole MiB."""
    if size < 0:
        raise ValueError("size must not be negative")
    needed = -(-size // max_parts)
    part = max(MIN_PART, target_part_size, needed)
    part = -(-part // MIB) * MIB
    if part > MAX_PART:
        raise ValueError(f"object of {size} bytes needs parts over 5 GiB")
    return Plan(size=size, part_size=part)
