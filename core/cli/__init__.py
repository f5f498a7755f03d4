"""Thresher's command line: ``python main.py SUBCOMMAND ...``.

Every subcommand lives in its own module and registers itself in :data:`SUBCOMMANDS`; errors
the core raises on purpose are printed as one line on stderr with a non-zero exit code, never
as a traceback.
"""

from __future__ import annotations

import argparse
import sys

from core.cli import (
    curate_command,
    dedup_command,
    download_command,
    export_command,
    inspect_command,
    map_command,
    score_command,
    simulate_command,
)
from core.errors import ThresherError
from core.version import APP_NAME, APP_VERSION

#: name -> module with ``configure(parser)`` and ``run(args) -> int``.
SUBCOMMANDS = {"inspect": inspect_command, "score": score_command,
               "dedup": dedup_command, "curate": curate_command, "export": export_command,
               "download": download_command, "simulate": simulate_command,
               "map": map_command}

EXIT_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="main.py", description=f"{APP_NAME}: curate supervised fine-tuning datasets.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {APP_VERSION}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in SUBCOMMANDS.items():
        module.configure(subparsers.add_parser(
            name, help=module.HELP, description=module.__doc__.strip().splitlines()[0]))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return SUBCOMMANDS[args.command].run(args)
    except ThresherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
