"""The judge's per-row details in the project file: entropy, unscorable reason, raw answer.

A table of its own beside the score cache (created on first use), so the shared ``scores``
table keeps its shape; rows are keyed like the cache, by scorer and record fingerprint.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

_TABLE = """CREATE TABLE IF NOT EXISTS judge_details (
    scorer      INTEGER NOT NULL REFERENCES scorers(id),
    fingerprint BLOB NOT NULL,
    entropy     REAL,
    reason      TEXT,
    PRIMARY KEY (scorer, fingerprint)
) WITHOUT ROWID"""
#: An endpoint judge's raw answers in text mode (its own table: older projects lack it).
_TEXTS = """CREATE TABLE IF NOT EXISTS judge_texts (
    scorer      INTEGER NOT NULL REFERENCES scorers(id),
    fingerprint BLOB NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (scorer, fingerprint)
) WITHOUT ROWID"""


def put(store, scorer_id: int, dataset, batch) -> None:
    """Record one batch's entropies and reasons (one committed transaction)."""
    entropy = batch.entropy if batch.entropy is not None else np.full(len(batch.rows), np.nan)
    with store.transaction() as db:
        db.execute(_TABLE)
        db.executemany(
            "INSERT OR REPLACE INTO judge_details (scorer, fingerprint, entropy, reason) "
            "VALUES (?, ?, ?, ?)",
            [
                (
                    scorer_id,
                    bytes(dataset.fingerprints[r]),
                    None if not np.isfinite(e) else float(e),
                    batch.reasons.get(int(r)),
                )
                for r, e in zip(batch.rows.tolist(), entropy.tolist(), strict=True)
            ],
        )
        if batch.texts:
            db.execute(_TEXTS)
            db.executemany(
                "INSERT OR REPLACE INTO judge_texts (scorer, fingerprint, text) VALUES (?, ?, ?)",
                [
                    (scorer_id, bytes(dataset.fingerprints[r]), text)
                    for r, text in batch.texts.items()
                ],
            )


def restore(store, scorer_id: int, dataset, batch):
    """``batch`` (read from the score cache) with its entropies and reasons."""
    with store.transaction() as db:
        db.execute(_TABLE)
        found = {
            bytes(fp): (e, why)
            for fp, e, why in db.execute(
                "SELECT fingerprint, entropy, reason FROM judge_details WHERE scorer = ?",
                (scorer_id,),
            )
        }
        db.execute(_TEXTS)
        said = {
            bytes(fp): text
            for fp, text in db.execute(
                "SELECT fingerprint, text FROM judge_texts WHERE scorer = ?", (scorer_id,)
            )
        }
    texts = {}
    entropy = np.full(len(batch.rows), np.nan, dtype=np.float32)
    reasons = dict(batch.reasons)
    for j, r in enumerate(batch.rows.tolist()):
        e, why = found.get(bytes(dataset.fingerprints[r]), (None, None))
        if e is not None:
            entropy[j] = e
        if why and batch.unscorable[j]:
            reasons[int(r)] = why
        text = said.get(bytes(dataset.fingerprints[r]))
        if text is not None:
            texts[int(r)] = text
    return replace(batch, entropy=entropy, reasons=reasons, texts=texts or None)
