"""Reward scoring: models found and loaded safely, rows encoded faithfully, batches run fast.

The names below are imported on first use (PEP 562): ``core.scoring.heuristics`` and the
review code need no torch, and importing torch costs about a second.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "FORMATS": "core.scoring.encoding",
    "SEED_TEMPLATE": "core.scoring.encoding",
    "DEFAULT_MODEL": "core.scoring.model_files",
    "locate_model": "core.scoring.model_files",
    "ScoreSummary": "core.scoring.run",
    "ScoreTable": "core.scoring.run",
    "ScoreUpdate": "core.scoring.run",
    "ScoringError": "core.scoring.run",
    "make_scorer": "core.scoring.run",
    "score_dataset": "core.scoring.run",
    "HEURISTIC": "core.scoring.config",
    "HeuristicScorer": "core.scoring.scorers",
    "ModelScorer": "core.scoring.scorers",
    "ScoreConfig": "core.scoring.config",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'core.scoring' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
