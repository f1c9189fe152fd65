"""The replay's progress bar: tqdm on stderr, counting documents read. tqdm is a
dev dependency (not in the Lambda package), so without it there is no bar."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def document_bar(total: int, quiet: bool = False, desc: str = "replay") -> Iterator[Callable[[int], object]]:
    """Yields `advance(n)`."""
    try:
        from tqdm import tqdm
    except ImportError:
        quiet = True
    if quiet:
        yield lambda n: None
        return
    bar = tqdm(total=total, unit="doc", desc=desc, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()
