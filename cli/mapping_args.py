"""The column-mapping flags shared by every subcommand that opens a dataset."""

from __future__ import annotations

import argparse

from core.schemas import ColumnMapping


def add_mapping_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--prompt-field`` (repeatable), ``--response-field`` and ``--messages-field``."""
    group = parser.add_argument_group(
        "column mapping", "override schema detection for files with unrecognised fields"
    )
    group.add_argument(
        "--prompt-field",
        action="append",
        default=[],
        metavar="FIELD",
        help="field holding the prompt; repeat to join several with a blank line",
    )
    group.add_argument("--response-field", metavar="FIELD", help="field holding the response")
    group.add_argument(
        "--messages-field",
        metavar="FIELD",
        help="field holding a list of chat turns (role/content or from/value)",
    )


def mapping_from_arguments(args: argparse.Namespace) -> ColumnMapping | None:
    """The mapping the flags describe, or None when none was given."""
    if not (args.prompt_field or args.response_field or args.messages_field):
        return None
    if not (args.prompt_field or args.messages_field):
        raise SystemExit("error: --response-field needs --prompt-field or --messages-field")
    return ColumnMapping(tuple(args.prompt_field), args.response_field, args.messages_field)
