"""Every command ends the same way: its report as JSON for scripts, or as lines for a person.

One helper, so ``--json`` means the same everywhere: UTF-8 bytes, indented, one trailing
newline, nothing else on standard output.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import orjson


def print_json(data: object) -> None:
    """Write ``data`` to standard output as indented JSON (numpy scalars and arrays allowed)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(
        orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"
    )
    sys.stdout.buffer.flush()


def print_report(data: dict, as_json: bool, as_text: Callable[[dict], str]) -> None:
    """``data`` as JSON when asked for, else ``as_text(data)`` for a person reading a terminal."""
    if as_json:
        print_json(data)
    else:
        print(as_text(data))
