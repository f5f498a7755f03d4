"""Writing per-row result tables as JSONL, CSV or Parquet, chosen by the file's suffix (atomic)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.atomic import atomic_write
from core.errors import ThresherError

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")


class OutputError(ThresherError):
    """The results file cannot be written."""


def output_format(path: str | Path) -> str:
    """``jsonl``, ``csv`` or ``parquet`` from the file name, or a clear error."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OutputError(f"{path}: the output must end in {', '.join(OUTPUT_SUFFIXES)}")
    return suffix[1:]


def write_table(path: str | Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` to ``path`` in the format its suffix names, replacing it atomically."""
    fmt = output_format(path)

    def write(handle) -> None:
        if fmt == "jsonl":
            frame.to_json(handle, orient="records", lines=True, force_ascii=False)
        elif fmt == "csv":
            frame.to_csv(handle, index=False)
        else:
            frame.to_parquet(handle, index=False)

    try:
        atomic_write(path, write)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
