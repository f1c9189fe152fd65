"""The replay's progress bar: tqdm on stderr, counting documents read. tqdm is a
dev dependency (not in the Lambda package), so without it there is no bar."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def document_bar(total: int | None, quiet: bool = False, desc: str = "replay",
                 unit: str = "doc") -> Iterator[Callable[[int], object]]:
    """Yields `advance(n)`."""
    try:
        from tqdm import tqdm
    except ImportError:
        quiet = True
    if quiet:
        yield lambda n: None
        return
    bar = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()


class NoBar:
    """What the copy command's bar falls back to without tqdm."""

    n = 0

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def update(self, n: float) -> None:
        self.n += int(n)

    def close(self) -> None:
        pass
