"""Replay: re-feed archived raw requests through normalization and deduplication
(the recovery path after a normalizer bug). `python -m chalicelib.cli replay`."""

from chalicelib.replay.run import Replay, Summary, replay_ingress
from chalicelib.replay.window import parse_moment

__all__ = ["Replay", "Summary", "parse_moment", "replay_ingress"]
