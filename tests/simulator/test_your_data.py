"""Placing a real dataset on the simulator's axes: noise from scores, duplication from clusters."""

from __future__ import annotations

import numpy as np
import pytest

from core.generators import run_to_end
from core.simulator.your_data import duplication_of, noise_probability, place_your_data


def _scores(rng: np.random.Generator, clean: int, noisy: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores from two well separated groups, shuffled; returns (scores, is_noisy)."""
    scores = np.concatenate([rng.normal(2.0, 0.5, clean), rng.normal(-2.0, 0.5, noisy)])
    truth = np.concatenate([np.zeros(clean, bool), np.ones(noisy, bool)])
    order = rng.permutation(len(scores))
    return scores[order], truth[order]


@pytest.mark.parametrize("share", [0.1, 0.3])
def test_noise_is_the_weight_of_the_low_score_component(share: float) -> None:
    rng = np.random.default_rng(1)
    scores, truth = _scores(rng, int(4000 * (1 - share)), int(4000 * share))
    probability = noise_probability(scores)
    assert probability.mean() == pytest.approx(share, abs=0.02)
    assert np.mean((probability > 0.5) == truth) > 0.99


def test_unscored_rows_have_no_noise_probability() -> None:
    rng = np.random.default_rng(2)
    scores, _ = _scores(rng, 300, 100)
    scores[:50] = np.nan
    probability = noise_probability(scores)
    assert np.isnan(probability[:50]).all() and np.isfinite(probability[50:]).all()
    assert noise_probability(np.full(100, np.nan)) is None
    assert noise_probability(np.full(100, 3.0)) is None


def test_duplication_counts_copies_inside_the_set_only() -> None:
    cluster = np.array([0, 0, 2, 3, 3, 3, 6, 7])
    share, copies = duplication_of(np.arange(8), cluster)
    assert share == pytest.approx(5 / 8) and copies == pytest.approx(2.5)
    # Keep one row per cluster: no duplication left.
    assert duplication_of(np.array([0, 2, 3, 6, 7]), cluster)[0] == 0.0


def test_curation_beats_a_random_selection_of_the_same_size() -> None:
    rng = np.random.default_rng(3)
    scores, _truth = _scores(rng, 3000, 1000)
    cluster = np.arange(len(scores))
    cluster[1::4] = cluster[0::4][: len(cluster[1::4])]  # every 4th pair are copies
    kept = (scores > 0) & (cluster == np.arange(len(scores)))
    placed = run_to_end(place_your_data(scores, kept, cluster))
    raw, curated, baseline = placed.sets()
    assert raw.rows == 4000 and curated.rows == baseline.rows == int(kept.sum())
    assert curated.point.noise < 0.02 < raw.point.noise
    assert raw.point.duplication == pytest.approx(0.5, abs=0.01)
    assert curated.point.duplication == 0.0
    assert baseline.point.noise == pytest.approx(raw.point.noise, abs=0.03)
    assert curated.estimate.performance > baseline.estimate.performance
    assert not placed.notes


def test_without_scores_or_duplicates_the_notes_say_why() -> None:
    scores = np.full(50, np.nan)
    placed = run_to_end(place_your_data(scores, np.ones(50, bool), None))
    assert placed.raw.point is None and placed.curated.estimate is None
    assert any("Score the dataset" in note for note in placed.notes)
    assert any("No duplicate run" in note for note in placed.notes)


def test_the_notes_name_the_scorer_and_say_heuristic_noise_is_defects(shared_data) -> None:
    """Issue 20: with heuristic scores only, η read human-written Dolly as 65% noise."""
    from core.loading import load
    from core.scoring.heuristics import compute_signals

    seed = load(shared_data / "seed_tasks.jsonl")
    scores = compute_signals(seed.prompts, seed.responses).score
    kept = scores >= 0.5
    placed = run_to_end(place_your_data(scores, kept, None, scorer="heuristic"))
    assert "η is estimated from the heuristic scores." in placed.notes
    assert any(
        "not low quality" in note and "reward model or a judge" in note for note in placed.notes
    )
    # Hand-written answers have few defects, so η stays small instead of reading length.
    assert placed.raw.point is None or placed.raw.point.noise < 0.05
    model = run_to_end(place_your_data(scores, kept, None, scorer="OpenAssistant/rm"))
    assert "η is estimated from the OpenAssistant/rm scores." in model.notes
    assert not any("not low quality" in note for note in model.notes)


def test_equal_scores_say_so_instead_of_asking_for_scores() -> None:
    placed = run_to_end(
        place_your_data(
            np.ones(500, dtype=np.float32), np.ones(500, bool), None, scorer="heuristic"
        )
    )
    assert placed.raw.point is None
    assert any("all equal: no row has a defect" in note for note in placed.notes)
    assert not any("Score the dataset" in note for note in placed.notes)
