"""Running the core's long-work generators to the end, for callers that need no progress."""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

Result = TypeVar("Result")


def run_to_end(generator: Generator[object, None, Result]) -> Result:
    """Exhaust ``generator`` (ignoring what it yields) and return its return value.

    Long work is written as generators so the app can show progress and cancel; the command
    line and tests just want the result.
    """
    while True:
        try:
            next(generator)
        except StopIteration as done:
            return done.value
