"""Reward scoring: models found and loaded safely, rows encoded faithfully, batches run fast."""

from core.scoring.encoding import FORMATS, SEED_TEMPLATE
from core.scoring.model_files import DEFAULT_MODEL, locate_model
from core.scoring.run import (
    ScoreSummary,
    ScoreTable,
    ScoreUpdate,
    ScoringError,
    make_scorer,
    score_dataset,
)
from core.scoring.scorers import HEURISTIC, HeuristicScorer, ModelScorer, ScoreSettings

__all__ = ["DEFAULT_MODEL", "FORMATS", "HEURISTIC", "SEED_TEMPLATE", "HeuristicScorer",
           "ModelScorer", "ScoreSettings", "ScoreSummary", "ScoreTable", "ScoreUpdate",
           "ScoringError", "locate_model", "make_scorer", "score_dataset"]
