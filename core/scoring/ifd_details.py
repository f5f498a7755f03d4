"""IFD's per-row details in the project file: both losses and the unscorable reason.

A table of its own beside the score cache (created on first use), so the shared ``scores``
table keeps its shape; rows are keyed like the cache, by scorer and record fingerprint. The
IFD and its flag are recomputed from the losses, so they cannot disagree with them.
"""

from __future__ import annotations

import numpy as np

from core.scoring.scored_batch import ScoredBatch

_TABLE = """CREATE TABLE IF NOT EXISTS ifd_details (
    scorer            INTEGER NOT NULL REFERENCES scorers(id),
    fingerprint       BLOB NOT NULL,
    loss_given_prompt REAL,
    loss_alone        REAL,
    reason            TEXT,
    PRIMARY KEY (scorer, fingerprint)
) WITHOUT ROWID"""


def _value(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def put(store, scorer_id: int, dataset, batch: ScoredBatch) -> None:
    """Record one batch's losses and reasons (one committed transaction)."""
    nan = np.full(len(batch.rows), np.nan)
    given = batch.extra.get("loss_given_prompt", nan).tolist()
    alone = batch.extra.get("loss_alone", nan).tolist()
    with store.transaction() as db:
        db.execute(_TABLE)
        db.executemany(
            "INSERT OR REPLACE INTO ifd_details (scorer, fingerprint, loss_given_prompt, "
            "loss_alone, reason) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    scorer_id,
                    bytes(dataset.fingerprints[r]),
                    _value(g),
                    _value(a),
                    batch.reasons.get(int(r)),
                )
                for r, g, a in zip(batch.rows.tolist(), given, alone, strict=True)
            ],
        )


def restore(
    store, scorer_id: int, dataset, batch: ScoredBatch
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """The losses (NaN where unknown) and reasons of ``batch``'s rows, read back."""
    with store.transaction() as db:
        db.execute(_TABLE)
        found = {
            bytes(fp): (g, a, why)
            for fp, g, a, why in db.execute(
                "SELECT fingerprint, loss_given_prompt, loss_alone, reason FROM ifd_details "
                "WHERE scorer = ?",
                (scorer_id,),
            )
        }
    given = np.full(len(batch.rows), np.nan, dtype=np.float32)
    alone = np.full(len(batch.rows), np.nan, dtype=np.float32)
    reasons = {}
    for j, r in enumerate(batch.rows.tolist()):
        g, a, why = found.get(bytes(dataset.fingerprints[r]), (None, None, None))
        given[j] = np.nan if g is None else g
        alone[j] = np.nan if a is None else a
        if why:
            reasons[int(r)] = why
    return given, alone, reasons
