"""Cold start is a feature: importing `app` must not load any heavy SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("cloudflare", "mux_python", "aws_xray_sdk", "pydantic",
             "aws_lambda_powertools.utilities.idempotency", "aws_lambda_powertools.utilities.parser",
             "jsonschema")

PROBE = """
import json, sys
import app
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after_import(env_extra: dict[str, str] | None = None) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT, capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
                                          **(env_extra or {})})
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def test_app_import_loads_no_heavy_sdk():
    assert _heavy(_modules_after_import()) == []


def test_probe_would_notice_a_heavy_import():
    # Guards the guard: the same probe sees pydantic once something imports it.
    modules = set(json.loads(subprocess.run(
        [sys.executable, "-c", "import json, sys, pydantic; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True).stdout))
    assert "pydantic" in _heavy(modules)
