"""ISO-BMFF top-level boxes (pure reading of a file's box headers): is an MP4
already faststart, i.e. does `moov` come before `mdat`?"""

from __future__ import annotations

import struct
from typing import BinaryIO

MAX_BOXES = 64  # a real MP4 has a handful of top-level boxes; stop scanning garbage early


def top_level_boxes(stream: BinaryIO) -> list[str]:
    """Box types in file order, reading only their 8/16-byte headers."""
    boxes: list[str] = []
    while len(boxes) < MAX_BOXES:
        header = stream.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            size = struct.unpack(">Q", stream.read(8))[0]
            header_size = 16
        boxes.append(kind.decode("latin-1"))
        if size == 0:  # the box runs to the end of the file
            break
        if size < header_size:
            raise ValueError("corrupt box header")
        stream.seek(size - header_size, 1)
    return boxes


def is_faststart(path: str) -> bool:
    """True for a progressive MP4 whose index precedes its media (fragmented MP4s are not)."""
    try:
        with open(path, "rb") as file:
            boxes = top_level_boxes(file)
    except (OSError, ValueError, struct.error):
        return False
    if "moov" not in boxes or "mdat" not in boxes or "moof" in boxes:
        return False
    return boxes.index("moov") < boxes.index("mdat")
