"""Build the FFmpeg Lambda layers from registry packages (`make layer`).

For each architecture: download the imageio-ffmpeg wheel, take its static
`ffmpeg`, check the ELF header's machine, run `-version` on the native one, and
zip it as `bin/ffmpeg` into dist/ffmpeg-layer-{arch}.zip. Then print each
layer's unzipped size beside the function package (from `chalice package`) and
fail if the two together exceed Lambda's 250 MB unzipped limit.

    .venv/bin/python layers/ffmpeg/build.py [--skip-download DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
DIST = HERE / "dist"
VERSION = "0.8.1"  # 0.7.0's FFmpeg 7.0.2 segfaults on MPEG-TS on these CPUs
LAMBDA_LIMIT_MB = 250.0
MB = 1024 * 1024
ARCHES = {  # lambda arch -> (wheel platform, ELF e_machine)
    "x86_64": ("manylinux_2_28_x86_64", 0x3E),
    "arm64": ("manylinux_2_28_aarch64", 0xB7),
}


def elf_machine(path: Path) -> int:
    """The e_machine field of an ELF file (0x3E x86-64, 0xB7 AArch64)."""
    header = _head(path, 20)
    if header[:4] != b"\x7fELF":
        raise ValueError(f"{path} is not an ELF file")
    byteorder = "little" if header[5] == 1 else "big"
    return int.from_bytes(header[18:20], byteorder)


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as file:
        return file.read(size)


def fits(layer_mb: float, function_mb: float, limit_mb: float = LAMBDA_LIMIT_MB) -> bool:
    return layer_mb + function_mb <= limit_mb


def download_binary(arch: str, into: Path) -> Path:
    platform_tag, _ = ARCHES[arch]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "--platform", platform_tag, "-d", str(into), f"imageio-ffmpeg=={VERSION}"], check=True)
    wheel = next(into.glob(f"imageio_ffmpeg-{VERSION}-*{platform_tag.split('_', 3)[-1]}.whl"))
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if "/binaries/ffmpeg-" in n)
        target = into / f"ffmpeg-{arch}"
        target.write_bytes(archive.read(member))
    target.chmod(0o755)
    return target


def build_layer(binary: Path, arch: str) -> Path:
    machine = elf_machine(binary)
    if machine != ARCHES[arch][1]:
        raise SystemExit(f"{binary}: ELF machine {machine:#x}, expected {ARCHES[arch][1]:#x} for {arch}")
    native = {"x86_64": "x86_64", "aarch64": "arm64"}.get(platform.machine())
    if native == arch:
        version = subprocess.run([str(binary), "-version"], capture_output=True, text=True, check=True).stdout
        print(f"{arch}: {version.splitlines()[0]}")
    DIST.mkdir(parents=True, exist_ok=True)
    layer = DIST / f"ffmpeg-layer-{arch}.zip"
    with zipfile.ZipFile(layer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        info = zipfile.ZipInfo("bin/ffmpeg", date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, binary.read_bytes())
    return layer


def unzipped_mb(path: Path) -> float:
    with zipfile.ZipFile(path) as archive:
        return sum(i.file_size for i in archive.infolist()) / MB


def function_package_mb(work: Path) -> float:
    out = work / "package"
    subprocess.run([PROJECT / ".venv/bin/chalice", "package", "--stage", "dev", str(out)], cwd=PROJECT, check=True,
                   capture_output=True, env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"})
    return unzipped_mb(out / "deployment.zip")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(ARCHES), action="append")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        function_mb = function_package_mb(work)
        print(f"function package: {function_mb:.1f} MB unzipped")
        for arch in args.arch or sorted(ARCHES):
            layer = build_layer(download_binary(arch, work), arch)
            layer_mb = unzipped_mb(layer)
            total = layer_mb + function_mb
            verdict = "ok" if fits(layer_mb, function_mb) else f"OVER {LAMBDA_LIMIT_MB:.0f} MB"
            print(f"{layer.name}: {layer.stat().st_size / MB:.1f} MB zipped, {layer_mb:.1f} MB unzipped;"
                  f" with the function {total:.1f} MB: {verdict}")
            failed |= not fits(layer_mb, function_mb)
    if failed:
        raise SystemExit("layer plus function code exceed Lambda's 250 MB unzipped limit")


if __name__ == "__main__":
    main()
