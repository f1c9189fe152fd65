"""The merge template for one stage: infra/resources.json with the stage's defaults.

`chalice package --merge-template` takes the file as it is, so the stage goes in
as parameter defaults: `Stage`, the bucket prefix, the Vultr bucket and the
secrets path follow the names chalicelib/settings.py assumes for the stage
(`recording-relay-{stage}-…`, `/recording-relay/{stage}`). Deploy-time
`--parameter-overrides` still win.

    python infra/merge_template.py STAGE [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "resources.json"
STAGE_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?")  # 1-20 chars, no '-' at either end


def stage_defaults(stage: str) -> dict[str, str]:
    return {
        "Stage": stage,
        "BucketPrefix": f"recording-relay-{stage}",
        "VultrBucket": f"recording-relay-{stage}-archive",
        "SecretsPath": f"/recording-relay/{stage}",
    }


def render(stage: str, source: Path = SOURCE) -> dict[str, Any]:
    if not STAGE_PATTERN.fullmatch(stage):
        raise SystemExit(f"stage {stage!r}: use 1-20 lowercase letters, digits or '-' (it names AWS resources)")
    template: dict[str, Any] = json.loads(source.read_text())
    for name, default in stage_defaults(stage).items():
        template["Parameters"][name]["Default"] = default
    return template


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--out", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    text = json.dumps(render(args.stage), indent=2) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
