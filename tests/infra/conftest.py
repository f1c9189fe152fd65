"""The packaged template, built once per session the way `make package` builds it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[2]
STAGE = "dev"


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make package STAGE=dev` without the cfn-lint and size steps (the tests run those themselves)."""
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run([sys.executable, PROJECT / "infra/merge_template.py", STAGE, "--out", out / "merge-template.json"],
                   cwd=PROJECT, check=True, capture_output=True, env=env)
    subprocess.run([PROJECT / ".venv/bin/chalice", "package", "--stage", STAGE, "--merge-template",
                    out / "merge-template.json", str(out)], cwd=PROJECT, check=True, capture_output=True, env=env)
    return out


@pytest.fixture(scope="session")
def packaged(package_dir: Path) -> Path:
    return package_dir / "sam.json"


@pytest.fixture(scope="session")
def template(packaged: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(packaged.read_text())
    return loaded
