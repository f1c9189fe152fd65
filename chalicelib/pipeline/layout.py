"""Where a recording's files go in the archive (design §4), pure and deterministic,
so a re-run overwrites the same objects and never makes new ones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveLayout:
    provider: str
    recording_id: str
    day: str  # "yyyy/mm/dd" of the recording's start (or its event time)

    @classmethod
    def of(cls, provider: str, recording_id: str, timestamp: str) -> ArchiveLayout:
        return cls(provider, recording_id, timestamp[:10].replace("-", "/"))

    @property
    def prefix(self) -> str:
        return f"recordings/{self.provider}/{self.day}/{self.recording_id}/"

    def key(self, name: str) -> str:
        return self.prefix + name

    @property
    def mp4(self) -> str:
        return self.key("recording.mp4")

    @property
    def poster(self) -> str:
        return self.key("poster.jpg")

    @property
    def sprite(self) -> str:
        return self.key("sprite.jpg")

    @property
    def vtt(self) -> str:
        return self.key("thumbnails.vtt")

    @property
    def manifest(self) -> str:
        return self.key("manifest.json")
