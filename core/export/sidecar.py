"""The decisions sidecar: one Parquet row per usable record with everything that decided it.

``score`` is the column the rule reads by default; ``score:<name>`` holds every score column.

It lets a curator (or a notebook) audit a curation without the app: where each record is in
the source, its fingerprint, score, flags, the rule's decision, the final one and who made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from core.atomic import Replace, atomic_write
from core.export.records import VerificationError
from core.overlap.staleness import file_sha256
from core.review.decisions import NAMES
from core.review.session import ReviewSession
from core.scoring.heuristics import flag_names


def decisions_frame(session: ReviewSession) -> pd.DataFrame:
    """Every usable record in file order with its scores, flags and decisions."""
    dataset = session.dataset
    names = np.array([NAMES[c] for c in sorted(NAMES)], dtype=object)
    flag_text = {}
    flags = []
    for mask in session.flag_mask.tolist():
        if mask not in flag_text:
            flag_text[mask] = ",".join(flag_names(mask))
        flags.append(flag_text[mask])
    frame = pd.DataFrame(
        {
            "row": np.arange(len(dataset)),
            dataset.location_kind: dataset.locations,
            "fingerprint": _strings([fp.hex() for fp, _ in session.keys]),
            "occurrence": [occ for _, occ in session.keys],
            "score": _nullable(session.scores),
            "truncated": session.truncated,
            "unscorable": session.unscorable,
            "flags": _strings(flags),
            "duplicate": session.duplicate,
            "rule_decision": _strings(names[session.rule_decision]),
            "decision": _strings(names[session.final]),
            "decided_by": _strings(np.where(session.manual != 0, "curator", "rule")),
            "reason": _strings([session.reasons.get(row, "") for row in range(len(dataset))]),
        }
    )
    # One column per scorer (the manifest's score_columns say which scorer each one is).
    for column in session.columns.values():
        frame[f"score:{column.name}"] = _nullable(column.scores)
    return frame


#: Texts converted per pandas call: converting a million in one call held the GIL 90-290 ms
#: while the export ran on a worker (benchmarks/bench_session.py --watch), a frozen window.
STRING_PIECE = 1 << 16


def _strings(values: Sequence[str] | np.ndarray) -> pd.Series:
    """A text column of pandas' default string dtype, converted :data:`STRING_PIECE` at a time.

    The pieces stay chunks of one Arrow column: joining them copies no text.
    """
    pieces = [
        pd.Series(values[start : start + STRING_PIECE], dtype="str")
        for start in range(0, len(values), STRING_PIECE)
    ]
    if not pieces:
        return pd.Series([], dtype="str")
    return pd.concat(pieces, ignore_index=True)


def _nullable(scores: np.ndarray) -> pd.arrays.FloatingArray:
    """Scores with NaN (not scored) as a missing value, not a number."""
    values = pd.array(scores, dtype="Float32")
    values[np.isnan(scores)] = pd.NA
    return values


def write_sidecar(path: Path, session: ReviewSession, replace: Replace = atomic_write) -> str:
    """Write :func:`decisions_frame` to ``path`` as Parquet, atomically (see ``write_jsonl``).

    Returns the file's SHA-256, taken from what was read back, for the manifest.
    """
    frame = decisions_frame(session)
    sha: list[str] = []  # the read-back file's, set by verify

    def verify(temp: Path) -> None:
        rows = pd.read_parquet(temp, columns=["row"])
        if len(rows) != len(frame):
            raise VerificationError(
                f"{path}: read back {len(rows):,} rows, expected {len(frame):,}"
            )
        sha.append(file_sha256(temp))

    replace(path, lambda handle: frame.to_parquet(handle, index=False), verify)
    return sha[0]
