"""A command's input files, loaded so that every unusable line is said, never skipped in silence.

The loader keeps each unusable line's number and reason (``Dataset.bad_lines``); a command that
went on with the usable records without saying so dropped rows in silence (an independent
tester's find: ``score`` on a file with a lone surrogate wrote one row fewer and said nothing).
``inspect`` lists them itself; every other command loads through here, and ``cli.main`` says
them on standard error once the command has succeeded, after its own output (a command refused
for a bad flag says only why).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # kept light: ``cli.main`` imports this before any command runs
    from core.dataset import Dataset
    from core.schemas import ColumnMapping

#: Unusable lines named one by one; the rest are counted (``inspect`` lists them all).
NAMED = 10

_with_unusable_lines: list[Dataset] = []


def load_input(path: str | Path, mapping: ColumnMapping | None = None) -> Dataset:
    """``load(path, mapping)``, its unusable lines kept to be said by :func:`say_unusable`."""
    from core.loading import load

    dataset = load(path, mapping)
    if dataset.bad_lines:
        _with_unusable_lines.append(dataset)
    return dataset


def forget_unusable() -> None:
    """Drop what earlier loads found (a new command starts)."""
    _with_unusable_lines.clear()


def say_unusable() -> None:
    """Say on standard error how many lines of each loaded file were skipped, which, and why."""
    for dataset in _with_unusable_lines:
        bad, kind = dataset.bad_lines, dataset.location_kind
        print(
            f"warning: {dataset.path}: {len(bad):,} unusable {kind}(s) skipped; the other "
            f"{len(dataset):,} records were used:",
            file=sys.stderr,
        )
        for line in bad[:NAMED]:
            print(f"  {kind} {line.line}: {line.reason}", file=sys.stderr)
        if len(bad) > NAMED:
            print(
                f"  … and {len(bad) - NAMED:,} more "
                f"(`main.py inspect {dataset.path}` lists them all)",
                file=sys.stderr,
            )
    forget_unusable()
