"""Cold start: median import time of `app` over fresh processes.

Runs against the real deployment package (`chalice package`, unzipped), so the
figures include exactly what Lambda imports: the package ships no .pyc files,
the runtime's stdlib has them. Each figure is measured twice: without .pyc
(as deployed) and with .pyc (after one warm-up run wrote them). The baseline
is a bare Chalice hello app that creates one boto3 client, on the same deps.

    .venv/bin/python bench/cold_start.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

PROBE = "import time; t = time.perf_counter(); import app; print((time.perf_counter() - t) * 1000)"

HELLO_APP = '''import boto3
from chalice import Chalice

app = Chalice(app_name="hello")
s3 = boto3.client("s3", region_name="us-east-1")


@app.route("/")
def index():
    return {"hello": "world"}
'''


def package(into: Path) -> Path:
    out = into / "package"
    subprocess.run([PROJECT / ".venv/bin/chalice", "package", "--stage", "dev", str(out)], cwd=PROJECT,
                   check=True, capture_output=True, env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"})
    code = into / "code"
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        archive.extractall(code)
    return code


def import_ms(path: list[Path], write_pyc: bool) -> float:
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": os.pathsep.join(map(str, path))}
    if not write_pyc:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    # -S: no site-packages, so only the package's own copies of the deps are importable, as in Lambda.
    out = subprocess.run([sys.executable, "-S", "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def strip_pyc(root: Path) -> None:
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache)


def median_ms(path: list[Path], runs: int, with_pyc: bool) -> float:
    for root in path:
        strip_pyc(root)
    if with_pyc:
        import_ms(path, write_pyc=True)
    return statistics.median(import_ms(path, write_pyc=False) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code = package(Path(tmp))
        hello = Path(tmp) / "hello"
        hello.mkdir()
        (hello / "app.py").write_text(HELLO_APP)
        rows = []
        for label, with_pyc in (("without .pyc (as deployed)", False), ("with .pyc", True)):
            ours = median_ms([code], args.runs, with_pyc)
            bare = median_ms([hello, code], args.runs, with_pyc)
            rows.append((label, ours, bare))
    print(f"cold start: median `import app` over {args.runs} fresh processes (python {sys.version.split()[0]})")
    print(f"{'':28} {'recording-relay':>16} {'bare chalice+boto3':>19} {'ratio':>6}")
    for label, ours, bare in rows:
        print(f"{label:28} {ours:13.1f} ms {bare:16.1f} ms {ours / bare:6.2f}")


if __name__ == "__main__":
    main()
