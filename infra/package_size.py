"""Each function's unzipped size with its layers, against Lambda's limit (`make package`).

Lambda refuses a function whose code plus layers exceed 262,144,000 bytes
unzipped (250 MiB). This reads the packaged template (`sam.json`), resolves
each function's code zip and layers as they deploy with the parameters'
defaults, sums the uncompressed sizes of the zip entries, prints a table and
exits 1 when a function is over the limit. A layer built from a local zip that
is not there (`make layer` not run) is reported and left out of the sum, and so
is a layer given by ARN.

    python infra/package_size.py OUT_DIR [--limit BYTES]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
LAYER_DIST = PROJECT / "layers" / "ffmpeg" / "dist"  # where `make layer` writes its zips
LAMBDA_UNZIPPED_LIMIT = 262_144_000  # bytes: function code plus all its layers, unzipped (250 MiB)
MIB = 1024 * 1024


@dataclass
class Part:
    name: str
    size: int | None  # unzipped bytes; None: not counted
    note: str = ""


@dataclass
class Function:
    name: str
    code: Part
    layers: list[Part] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(part.size or 0 for part in (self.code, *self.layers))


@functools.cache
def unzipped_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


class Template:
    """Just enough of CloudFormation to follow Refs and Fn::If with the parameters' defaults."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.body: dict[str, Any] = json.loads(path.read_text())
        self.parameters = {name: str(p.get("Default", "")) for name, p in self.body.get("Parameters", {}).items()}
        self.resources: dict[str, Any] = self.body.get("Resources", {})

    def condition(self, name: str) -> bool:
        return self._true(self.body.get("Conditions", {})[name])

    def _true(self, expression: Any) -> bool:
        if isinstance(expression, dict) and len(expression) == 1:
            (function, args), = expression.items()
            if function == "Condition":
                return self.condition(args)
            if function == "Fn::Not":
                return not self._true(args[0])
            if function == "Fn::And":
                return all(self._true(a) for a in args)
            if function == "Fn::Or":
                return any(self._true(a) for a in args)
            if function == "Fn::Equals":
                return bool(self.value(args[0]) == self.value(args[1]))
        raise ValueError(f"cannot evaluate condition {expression!r}")

    def value(self, expression: Any) -> Any:
        """A parameter's default for a Ref to it; Fn::If resolved; anything else unchanged."""
        if isinstance(expression, dict) and len(expression) == 1:
            (function, args), = expression.items()
            if function == "Ref" and args in self.parameters:
                return self.parameters[args]
            if function == "Fn::If":
                return self.value(args[1] if self.condition(args[0]) else args[2])
        return expression

    def local_zip(self, location: Any) -> Path | None:
        if not isinstance(location, str) or location.startswith("s3://"):
            return None
        return (self.path.parent / location).resolve()

    def functions(self) -> list[Function]:
        found = []
        for name, resource in sorted(self.resources.items()):
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            properties = resource.get("Properties", {})
            found.append(Function(name, self._code(properties.get("CodeUri")), self._layers(properties)))
        return found

    def _code(self, location: Any) -> Part:
        path = self.local_zip(location)
        if path is None or not path.is_file():
            raise SystemExit(f"{self.path}: function code {location!r} is not a local zip here; run `make package`")
        return Part(path.name, unzipped_size(path))

    def _layers(self, properties: dict[str, Any]) -> list[Part]:
        layers = self.value(properties.get("Layers", []))
        if layers == {"Ref": "AWS::NoValue"}:
            return []
        return [self._layer(layer) for layer in layers]

    def _layer(self, layer: Any) -> Part:
        layer = self.value(layer)
        if isinstance(layer, str):
            return Part(layer or "(empty ARN)", None, "given by ARN: size not known here")
        reference = layer.get("Ref") if isinstance(layer, dict) else None
        resource = self.resources.get(reference or "", {})
        if resource.get("Type") != "AWS::Serverless::LayerVersion":
            return Part(json.dumps(layer), None, "not a layer of this template: size not known here")
        location = resource.get("Properties", {}).get("ContentUri")
        path = self.local_zip(location)
        if path is None:
            return Part(str(location), None, "not a local zip: size not known here")
        for candidate in (path, LAYER_DIST / path.name):
            if candidate.is_file():
                return Part(f"{reference} ({candidate.name})", unzipped_size(candidate))
        return Part(f"{reference} ({path.name})", None, "NOT BUILT (run `make layer`): not counted")


def table(functions: list[Function], limit: int) -> list[str]:
    def mib(size: int | None) -> str:
        return "-" if size is None else f"{size / MIB:.1f}"

    rows = [("function", "code MiB", "layer", "layer MiB", "total MiB", "total bytes", "verdict")]
    for function in functions:
        verdict = "ok" if function.total <= limit else "OVER LIMIT"
        layers = function.layers or [Part("(none)", 0)]
        for index, layer in enumerate(layers):
            first = index == 0
            rows.append((function.name if first else "", mib(function.code.size) if first else "",
                         layer.name + (f" [{layer.note}]" if layer.note else ""), mib(layer.size),
                         mib(function.total) if first else "", f"{function.total:,}" if first else "",
                         verdict if first else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {1, 3, 4, 5}
    return ["  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in
                      enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the `chalice package` output directory (sam.json, deployment.zip)")
    parser.add_argument("--limit", type=int, default=LAMBDA_UNZIPPED_LIMIT, help="bytes (default: %(default)s)")
    args = parser.parse_args(argv)
    functions = Template(args.out / "sam.json").functions()
    print(f"Unzipped size per function, code plus layers (Lambda limit: {args.limit:,} bytes"
          f" = {args.limit / MIB:.0f} MiB)")
    for line in table(functions, args.limit):
        print(line)
    over = [f.name for f in functions if f.total > args.limit]
    if over:
        print(f"over the unzipped limit: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
