"""The layer builder's checks, on small local binaries (the suite downloads nothing)."""

from __future__ import annotations

import importlib.util
import platform
import shutil
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("layer_build", PROJECT / "layers/ffmpeg/build.py")
assert spec and spec.loader
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

NATIVE = {"x86_64": "x86_64", "aarch64": "arm64"}[platform.machine()]
OTHER = "arm64" if NATIVE == "x86_64" else "x86_64"


def test_elf_machine_of_the_native_ffmpeg():
    from chalicelib.media.binary import ffmpeg

    assert build.elf_machine(Path(ffmpeg())) == build.ARCHES[NATIVE][1]


def test_non_elf_is_refused(tmp_path):
    script = tmp_path / "ffmpeg"
    script.write_text("#!/bin/sh\n")
    with pytest.raises(ValueError, match="not an ELF"):
        build.elf_machine(script)


def test_layer_zip_holds_an_executable_bin_ffmpeg(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "DIST", tmp_path / "dist")
    binary = tmp_path / "ffmpeg"
    shutil.copy("/bin/echo", binary)  # a small native ELF that answers `-version`
    layer = build.build_layer(binary, NATIVE)
    with zipfile.ZipFile(layer) as archive:
        [entry] = archive.infolist()
        assert entry.filename == "bin/ffmpeg"
        assert entry.external_attr >> 16 & 0o777 == 0o755
        assert archive.read(entry) == binary.read_bytes()


def test_wrong_architecture_fails_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "DIST", tmp_path / "dist")
    binary = tmp_path / "ffmpeg"
    shutil.copy("/bin/echo", binary)
    with pytest.raises(SystemExit, match="ELF machine"):
        build.build_layer(binary, OTHER)


def test_budget_is_lambdas_unzipped_limit():
    assert build.fits(164.7, 30.7)
    assert not build.fits(164.7, 86.0)


def test_binary_discovery_prefers_ffmpeg_binary_env(tmp_path, monkeypatch):
    from chalicelib.media import binary

    fake = tmp_path / "ffmpeg"
    shutil.copy("/bin/echo", fake)
    monkeypatch.setenv("FFMPEG_BINARY", str(fake))
    binary.ffmpeg.cache_clear()
    try:
        assert binary.ffmpeg() == str(fake) or binary.LAYER_BINARY.exists()
    finally:
        monkeypatch.undo()
        binary.ffmpeg.cache_clear()
