"""Duplicates in a review session: the saved run, rebuilt against the session's scores."""

from __future__ import annotations

import numpy as np

from core.dedup.outcome import DuplicateTable, build_table
from core.dedup.storage import load_result, preferred_rows
from core.review.session import ReviewSession


def restore_duplicates(session: ReviewSession) -> DuplicateTable | None:
    """Apply the project's saved duplicate run (if it matches the file) to ``session``."""
    result = load_result(session.store, session.dataset)
    if result is None:
        return None
    table = build_table(
        session.dataset,
        result,
        session_scores(session),
        preferred_rows(session.store, session.dataset),
    )
    session.set_duplicates(table.dropped)
    return table


def session_scores(session: ReviewSession) -> np.ndarray | None:
    """The session's scores when any row has one (the kept copy is then the best-scored)."""
    return session.scores if np.isfinite(session.scores).any() else None
