"""``setu-planning conformance``: its arguments and what it prints.

One line per check, ``PASS|FAIL|WARN|SKIP <check-id> <title>: <detail>``, and last
``N passed, M failed, K warnings``. Exit 0 when no MUST check failed, 1 when one
did, 2 when the run could not happen (bad arguments, no answer, no SETU material).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

from .catalogue import KINDS
from .material import MaterialMissing
from .report import SUFFIXES, now, write
from .runner import Settings, Unreachable, run

SPEC_VARIABLE = "SETU_SPEC_DIR"


def add_conformance_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "conformance", help="check a SETU Planning server (yours or a counterparty's) against the standard"
    )
    parser.add_argument("--base-url", required=True, help="the server's base URL; the kit adds /planning/...")
    parser.add_argument("--token-env", metavar="VAR", help="environment variable holding a bearer token to present")
    parser.add_argument("--version", choices=("1.0", "2.0"), default="2.0", help="SETU version to speak (default 2.0)")
    parser.add_argument("--format", choices=("json", "xml"), default="json", help="body format (default json)")
    parser.add_argument(
        "--kinds",
        type=_kinds,
        default=KINDS,
        help="the kinds the server hosts, comma-separated (default requests,assignments,constraints)",
    )
    parser.add_argument("--read-only", action="store_true", help="create nothing: only reading and refusal checks")
    parser.add_argument("--report", type=Path, metavar="FILE", help="also write a report: .md, .json or .xml (JUnit)")
    parser.add_argument(
        "--fuzz",
        type=_count,
        default=0,
        metavar="N",
        help="also send N generated requests per operation of the official OpenAPI",
    )
    parser.add_argument(
        "--spec-dir",
        type=Path,
        metavar="DIR",
        help=f"the official SETU Planning material (v1.0/, v2.0/, openapi/; default ${SPEC_VARIABLE})",
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for each answer (default 15)")


def _kinds(value: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [part for part in chosen if part not in KINDS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"--kinds takes a comma-separated list of {', '.join(KINDS)}")
    return chosen


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("--fuzz takes a count of 0 or more")
    return number


def _refuse(reason: str) -> int:
    print(f"setu-planning conformance: {reason}", file=sys.stderr)
    return 2


def run_conformance(args: argparse.Namespace) -> int:
    url = httpx.URL(args.base_url)
    if url.scheme not in ("http", "https") or not url.host:
        return _refuse(f"--base-url must be an http(s) URL, not {args.base_url!r}")
    token = None
    if args.token_env:
        token = os.environ.get(args.token_env, "").strip()
        if not token:
            return _refuse(f"--token-env {args.token_env}: the variable is unset or empty")
    spec = args.spec_dir or (Path(os.environ[SPEC_VARIABLE]) if os.environ.get(SPEC_VARIABLE) else None)
    if spec is None:
        return _refuse(f"the official SETU Planning material is needed: give --spec-dir DIR or set ${SPEC_VARIABLE}")
    if args.report is not None and args.report.suffix.lower() not in SUFFIXES:
        return _refuse(f"--report {args.report}: the suffix must be one of {', '.join(SUFFIXES)}")
    if args.fuzz:
        try:
            import schemathesis  # noqa: F401
        except ImportError:
            return _refuse("--fuzz needs schemathesis: pip install 'setu-planning[conformance]'")
    settings = Settings(
        args.base_url, spec, args.version, args.format, args.kinds, token, args.read_only, args.fuzz, args.timeout
    )
    started = now()
    try:
        results = run(settings)
    except MaterialMissing as error:
        return _refuse(str(error))
    except Unreachable as error:
        return _refuse(f"the server could not be reached: {error}")
    for result in results.ordered():
        print(result.line())
    if args.report is not None:
        about = {
            "base_url": args.base_url,
            "version": args.version,
            "format": args.format,
            "kinds": ",".join(settings.kinds),
            "read_only": args.read_only,
            "fuzz": args.fuzz,
            "started": started,
            "finished": now(),
        }
        try:
            write(args.report, results, about)
        except OSError as error:
            print(f"setu-planning conformance: cannot write {args.report}: {error}", file=sys.stderr)
    print(results.summary(), flush=True)
    return results.exit_code
