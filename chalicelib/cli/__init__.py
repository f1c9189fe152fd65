"""Operator commands: `python -m chalicelib.cli copy SRC DEST` (and, later, reconcile, replay, backfill)."""
