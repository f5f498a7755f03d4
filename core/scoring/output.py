"""Writing a scoring run's per-row results as JSONL, CSV or Parquet (atomically)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.atomic import atomic_write
from core.dataset import Dataset
from core.errors import ThresherError
from core.scoring.heuristics import HeuristicSignals
from core.scoring.run import ScoreTable

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")


class OutputError(ThresherError):
    """The results file cannot be written."""


def output_format(path: str | Path) -> str:
    """``jsonl``, ``csv`` or ``parquet`` from the file name, or a clear error."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OutputError(f"{path}: the output must end in {', '.join(OUTPUT_SUFFIXES)}")
    return suffix[1:]


def results_frame(dataset: Dataset, table: ScoreTable, signals: HeuristicSignals) -> pd.DataFrame:
    """One row per usable record in file order: where it is, its fingerprint and results."""
    frame = pd.DataFrame({
        "row": range(len(dataset)),
        dataset.location_kind: dataset.locations,
        "fingerprint": [bytes(fp).hex() for fp in dataset.fingerprints],
        "score": pd.array(table.scores, dtype="Float32"),
        "truncated": table.truncated,
        "unscorable": table.unscorable,
    })
    frame.loc[table.unscorable, "score"] = pd.NA
    for name, _ in HeuristicSignals.COLUMNS:
        frame[f"heuristic_{name}" if name == "score" else name] = signals.column(name)
    return frame


def write_results(path: str | Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` to ``path`` in the format its suffix names."""
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
