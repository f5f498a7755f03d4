"""Writing a scoring run's per-row results as JSONL, CSV or Parquet (atomically)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.dataset import Dataset
from core.scoring.heuristics import HeuristicSignals
from core.scoring.run import ScoreTable
from core.tables import OUTPUT_SUFFIXES, OutputError, output_format, write_table

__all__ = ["OUTPUT_SUFFIXES", "OutputError", "output_format", "results_frame", "write_results"]


def results_frame(dataset: Dataset, table: ScoreTable, signals: HeuristicSignals) -> pd.DataFrame:
    """One row per usable record in file order: where it is, its fingerprint and results."""
    frame = pd.DataFrame(
        {
            "row": range(len(dataset)),
            dataset.location_kind: dataset.locations,
            "fingerprint": [bytes(fp).hex() for fp in dataset.fingerprints],
            "score": pd.array(table.scores, dtype="Float32"),
            "truncated": table.truncated,
            "unscorable": table.unscorable,
        }
    )
    frame.loc[table.unscorable, "score"] = pd.NA
    if table.entropy is not None:  # an LLM judge: how sure it was, and why rows got no rating
        frame["judge_entropy"] = pd.array(table.entropy, dtype="Float32")
        frame.loc[~(table.entropy == table.entropy), "judge_entropy"] = pd.NA
        frame["unscorable_reason"] = pd.array(
            [table.reasons.get(r) for r in range(len(dataset))], dtype="string"
        )
    for name, values in table.extra.items():  # a scorer's own columns (IFD: ifd, losses)
        frame[name] = values if values.dtype == bool else pd.array(values, dtype="Float32")
        if values.dtype != bool:
            frame.loc[np.isnan(values), name] = pd.NA
    if table.extra and "unscorable_reason" not in frame:
        frame["unscorable_reason"] = pd.array(
            [table.reasons.get(r) for r in range(len(dataset))], dtype="string"
        )
    if table.texts:  # an endpoint judge without log-probabilities: its answers, as written
        frame["judge_text"] = pd.array(
            [table.texts.get(r) for r in range(len(dataset))], dtype="string"
        )
    for name, _ in HeuristicSignals.COLUMNS:
        frame[f"heuristic_{name}" if name == "score" else name] = signals.column(name)
    return frame


def write_results(path: str | Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` to ``path`` in the format its suffix names (see :mod:`core.tables`)."""
    write_table(path, frame)
