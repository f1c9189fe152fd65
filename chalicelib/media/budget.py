"""Whether a remux fits the function's ephemeral storage (pure)."""

from __future__ import annotations


def needs_streaming(input_bytes: int, budget_mb: int) -> bool:
    """Input plus a same-size output must fit the budget; otherwise stream to the archive."""
    return 2 * input_bytes > budget_mb * 1024 * 1024
