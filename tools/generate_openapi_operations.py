#!/usr/bin/env python3
"""Generate ``interface/openapi/official.py`` from the official SETU Planning OpenAPI.

Why: the service describes itself (``/openapi.json``) starting from the official
``planning.yml``: its title, tags and each operation's summary and tags, so an
operator reading our document recognises the standard's operations. The
official file is not ours to ship, and the service must not need it at run
time, so this script reads it once (from ``SETU_SPEC_DIR``, default
``../shared/setu-spec``) and writes the text the document uses as a plain
Python data module, which is committed. The official OpenAPI declares the MIT
license; the document names it as its source.

What the service really answers (status codes, both versions' schemas, the
extensions) is not taken from here: ``interface/openapi/document.py`` says it.

Usage::

    python tools/generate_openapi_operations.py            # rewrite the module
    python tools/generate_openapi_operations.py --check    # exit 1 when stale
"""

from __future__ import annotations

import argparse
import os
import pprint
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "interface" / "openapi" / "official.py"
METHODS = ("get", "put", "post", "delete")


def spec_dir() -> Path:
    return Path(os.environ.get("SETU_SPEC_DIR") or ROOT.parent / "shared" / "setu-spec")


def render(official: dict) -> str:
    info = official["info"]
    operations = {}
    for path, item in official["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                operations[(path, method)] = {
                    "summary": operation["summary"].strip(),
                    "tags": list(operation.get("tags", [])),
                    "parameters": {
                        p["name"]: p["description"].strip()
                        for p in operation.get("parameters", [])
                        if "name" in p and p.get("description")
                    },
                }
    data = {
        "TITLE": info["title"],
        "DESCRIPTION": info["description"].strip(),
        "LICENSE": info["license"]["name"],
        "TAGS": [{"name": t["name"], "description": t["description"]} for t in official["tags"]],
        "OPERATIONS": operations,
    }
    lines = [
        '"""Text of the official SETU Planning OpenAPI (planning.yml): GENERATED, do not edit.',
        "",
        "Title, tags and every operation's summary, tags and parameter descriptions, read",
        "by tools/generate_openapi_operations.py from the official document (MIT",
        "license). Regenerate with ``python tools/generate_openapi_operations.py``.",
        '"""',
        "",
        "# fmt: off",
    ]
    for name, value in data.items():
        lines.append(f"{name} = {pprint.pformat(value, width=110, sort_dicts=False)}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed module is stale")
    args = parser.parse_args()
    source = spec_dir() / "openapi" / "planning.local.yml"
    text = render(yaml.safe_load(source.read_text(encoding="utf-8")))
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
