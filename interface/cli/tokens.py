"""``setu-planning token``: the bearer tokens of the parties file (only their hashes are stored)."""

from __future__ import annotations

import argparse
import os
import sys

from ..parties import PARTIES_VARIABLE, PartiesFileError


def add_token_parser(commands: argparse._SubParsersAction) -> None:
    token = commands.add_parser("token", help="create or hash the bearer tokens of the parties file")
    actions = token.add_subparsers(dest="token_command", required=True)
    create = actions.add_parser("create", help="add a new token for a party to the parties file and print it, once")
    create.add_argument("--parties", help=f"the parties file (default: ${PARTIES_VARIABLE})")
    create.add_argument("--party", required=True, help="the party's name ([parties.NAME])")
    actions.add_parser("hash", help="read a token on stdin, print its sha256: form for the parties file")


def run_token_command(args: argparse.Namespace) -> int:
    """``token create`` prints only the token on stdout, so it can be piped; the rest goes to stderr."""
    from ..parties import UnknownParty, create_token

    if args.token_command == "hash":
        return _print_token_hash()
    path = args.parties or os.environ.get(PARTIES_VARIABLE)
    if not path:
        print(f"setu-planning: give --parties FILE or set ${PARTIES_VARIABLE}", file=sys.stderr)
        return 2
    try:
        token = create_token(path, args.party)
    except (PartiesFileError, UnknownParty) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"setu-planning: cannot write {path}: {error.strerror}", file=sys.stderr)
        return 1
    print(token, flush=True)
    print(
        f"setu-planning: added its sha256 hash to party {args.party!r} in {path}. This token cannot be "
        "shown again: hand it to the counterparty out of band now.",
        file=sys.stderr,
    )
    return 0


def _print_token_hash() -> int:
    """Provision a token the counterparty chose: only its hash goes into the parties file."""
    from ..parties import is_bearer_token, token_hash

    token = sys.stdin.read().strip()
    if not is_bearer_token(token):
        print("setu-planning: stdin does not hold one bearer token (token68 characters)", file=sys.stderr)
        return 2
    if len(token) < 43:
        print("setu-planning: warning: a short token; use at least 256 random bits", file=sys.stderr)
    print(token_hash(token))
    return 0
