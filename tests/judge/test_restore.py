"""Re-opening a project restores a judge's entropies and reasons, as the app does on open."""

from __future__ import annotations

import numpy as np

from core.project import ProjectStore
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset
from core.scoring.run import restore_scores


def test_restored_cached_scores_carry_the_judges_entropies_and_reasons(
    rating_judge, sample, tmp_path
):
    settings = ScoreConfig(model=str(rating_judge), device="cpu", judge_preset="rubric-1-5")
    with ProjectStore(tmp_path / "p.thresher") as store:
        scored = ScoreTable(len(sample))
        for update in score_dataset(sample, make_scorer(settings), store):
            scored.apply(update.batch)
    with ProjectStore(tmp_path / "p.thresher") as store:  # the app opens the file again
        [update] = restore_scores(sample, store)
    restored = ScoreTable(len(sample))
    restored.apply(update.batch)
    assert update.batch.entropy is not None and np.isfinite(restored.entropy).mean() > 0.8
    np.testing.assert_array_equal(restored.entropy, scored.entropy)
    assert restored.reasons == scored.reasons
