"""A cluster run's per-row details in the project, stored as the local engine stores them.

Locally the scorer object keeps its own details beside the score cache (a judge's entropies
and reasons, IFD's losses: ``cache_details``/``cached_details``). A cluster run's driver loads
no model, hence has no scorer: the description's ``kind`` picks the same storage, so the app
opening the file after a Ray run shows the same entropies, losses and reasons as after a local
one, and a local re-run finds them.
"""

from __future__ import annotations

from core.scoring.scored_batch import ScoredBatch


def put(store, scorer_id: int, dataset, batch: ScoredBatch, description: dict) -> None:
    """Record ``batch``'s details for a scorer of this description (nothing for a reward model)."""
    kind = description.get("kind")
    if kind == "judge":
        from core.judge import details

        details.put(store, scorer_id, dataset, batch)
    elif kind == "ifd":
        from core.scoring import ifd_details

        ifd_details.put(store, scorer_id, dataset, batch)


def restore(store, scorer_id: int, dataset, batch: ScoredBatch, description: dict) -> ScoredBatch:
    """``batch``, read from the score cache, with its scorer's details read back."""
    kind = description.get("kind")
    if kind == "judge":
        from core.judge import details

        return details.restore(store, scorer_id, dataset, batch)
    if kind == "ifd":
        from core.scoring.ifd import restore_details

        return restore_details(store, scorer_id, dataset, batch)
    return batch
