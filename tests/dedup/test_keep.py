"""Which copy a cluster keeps, curator choices, and the duplication budget."""

from __future__ import annotations

import numpy as np

from core.dedup.anchor import anchor
from core.dedup.config import DedupConfig
from core.dedup.edges import NEAR, Edges
from core.dedup.keep import DUPLICATE, EXTRA, KEPT, UNIQUE, anchored_clusters, plan_keep
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.generators import run_to_end


def _edges(groups: list[list[int]], similarity: float = 0.9) -> list[Edges]:
    """Every pair within each group matches (a clique), at ``similarity``."""
    first, second = [], []
    for group in groups:
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                first.append(a)
                second.append(b)
    return [Edges.from_lists(NEAR, first, second, [similarity] * len(first))]


def _plan(rows, groups, scores=None, preferred=None, budget=0.0):
    anchoring = anchor(rows, _edges(groups), scores, preferred)
    return anchored_clusters(anchoring), plan_keep(anchoring, scores, budget)


def test_the_best_scored_copy_is_kept_and_the_earliest_without_scores():
    clusters, unscored = _plan(6, [[0, 2, 4]])
    assert clusters.cluster.tolist() == [0, 1, 0, 3, 0, 5]
    assert clusters.size.tolist() == [3, 1, 3, 1, 3, 1]
    assert unscored.role.tolist() == [KEPT, UNIQUE, DUPLICATE, UNIQUE, DUPLICATE, UNIQUE]
    scores = np.array([0.1, 5.0, 0.9, 0.0, 0.5, np.nan])
    _, scored = _plan(6, [[0, 2, 4]], scores)
    assert scored.kept.tolist() == [2, 1, 2, 3, 2, 5]
    assert scored.role.tolist() == [DUPLICATE, UNIQUE, KEPT, UNIQUE, DUPLICATE, UNIQUE]
    _, tie = _plan(6, [[0, 2, 4]], np.array([0.5, 0, 0.9, 0, 0.9, 0]))
    assert tie.kept[0] == 2  # equal best scores: the earlier row


def test_a_chain_is_not_one_cluster():
    # 0≈1, 1≈2, 2≈3 but 0 and 2 are far apart: connected components would drop three rows.
    edges = [Edges.from_lists(NEAR, [0, 1, 2], [1, 2, 3], [0.9, 0.85, 0.95])]
    plan = plan_keep(anchor(4, edges))
    assert plan.role.tolist() == [KEPT, DUPLICATE, KEPT, DUPLICATE]
    assert plan.kept.tolist() == [0, 0, 2, 2]
    # The best-scored row in the middle of the chain takes both its neighbours.
    middle = anchor(4, edges, np.array([0.0, 1.0, 0.0, 0.0]))
    assert middle.kept.tolist() == [1, 1, 1, 3]
    assert middle.similarity[[0, 2]].tolist() == [np.float32(0.9), np.float32(0.85)]


def test_identical_rows_follow_their_copy_whichever_is_kept():
    # Copy edges are a star to the first row; the best-scored copy 2 must still take 1 (and 3,
    # which only the first row's edge reaches).
    edges = [
        Edges.from_lists(NEAR, [0, 0], [1, 2], [1.0, 1.0]),
        Edges.from_lists(NEAR, [0], [3], [0.85]),
    ]
    anchoring = anchor(5, edges, np.array([0.0, 0.0, 1.0, 0.0, 0.0]))
    assert anchoring.kept.tolist() == [2, 2, 2, 2, 4]
    assert anchoring.similarity[3] == np.float32(0.85)


def test_a_curators_choice_overrides_the_score():
    scores = np.array([0.9, 0.1, 0.2, 0.0])
    preferred = np.array([False, True, False, False])
    _, plan = _plan(4, [[0, 1, 2]], scores, preferred)
    assert plan.kept[:3].tolist() == [1, 1, 1]
    assert plan.role.tolist() == [DUPLICATE, KEPT, DUPLICATE, UNIQUE]


def test_the_budget_keeps_second_copies_round_robin_best_first():
    # Three clusters of three, ten unique rows: 13 unique rows, so 25% allows 3 extra copies.
    groups = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    scores = np.zeros(19)
    scores[[0, 1, 2]] = [0.9, 0.8, 0.7]
    scores[[3, 4, 5]] = [0.9, 0.2, 0.6]
    scores[[6, 7, 8]] = [0.9, 0.5, 0.4]
    _, plan = _plan(19, groups, scores, budget=0.25)
    assert np.flatnonzero(plan.role == EXTRA).tolist() == [1, 5, 7]  # each cluster's 2nd best
    assert np.flatnonzero(plan.dropped).tolist() == [2, 4, 8]
    _, tight = _plan(19, groups, scores, budget=0.1)  # one extra copy
    assert np.flatnonzero(tight.role == EXTRA).tolist() == [1]
    assert not _plan(19, groups, scores)[1].role.tolist().count(EXTRA)


def test_scores_and_choices_change_the_kept_copy_in_the_table(injected, injected_dataset):
    result = run_to_end(find_duplicates(injected_dataset, DedupConfig()))
    original, copy = injected.exact[0]
    scores = np.zeros(len(injected_dataset), dtype=np.float32)
    scores[copy] = 1.0
    table = build_table(injected_dataset, result, scores)
    assert table.kept[original] == copy and table.dropped[original]
    assert table.similarity[original] == 1.0

    near_original, near_copy = injected.near[0]
    preferred = np.zeros(len(injected_dataset), dtype=bool)
    preferred[near_copy] = True
    chosen = build_table(injected_dataset, result, scores, preferred)
    assert chosen.kept[near_original] == near_copy
    assert chosen.dropped[near_original] and not chosen.dropped[near_copy]
    assert 0.8 <= chosen.similarity[near_original] < 1.0
    assert np.isnan(chosen.similarity[near_copy])


def test_calibration_shows_what_each_threshold_drops(injected, injected_dataset):
    from core.dedup.calibration import (
        drop_curve,
        pairs_at_cutoff,
        similarity_histogram,
        thresholds_to_try,
    )

    settings = DedupConfig(exact=False)
    result = run_to_end(find_duplicates(injected_dataset, settings))
    grid = thresholds_to_try(result.floor(NEAR))
    assert grid[0] == result.floor(NEAR) and grid[-1] == 1.0
    curve = list(drop_curve(result, settings, NEAR, grid))
    dropped = [d for _, _, d in curve]
    assert dropped == sorted(dropped, reverse=True)  # stricter drops fewer
    # Each point is what applying that threshold really drops.
    for threshold, clusters, dropped_rows in curve[::4]:
        summary = build_table(
            injected_dataset, result, settings=settings.with_changes(near=threshold)
        ).summary()
        assert (clusters, dropped_rows) == (summary["clusters"], summary["dropped"])

    counts, edges = similarity_histogram(result, NEAR)
    assert counts.sum() == len(result.edges[NEAR]) and edges[-1] == 1.0
    above, below = pairs_at_cutoff(result, settings, NEAR, 0.9, count=3)
    assert len(above) == 3 and all(p.similarity >= 0.9 - 1e-6 for p in above)
    assert all(p.similarity < 0.9 for p in below)
    assert above == sorted(above, key=lambda p: p.similarity)
    strict = build_table(injected_dataset, result, settings=settings.with_changes(near=0.9))
    for pair in above:  # a dropped copy and its own kept copy, as the table has them
        assert strict.dropped[pair.second] and strict.kept[pair.second] == pair.first
        assert strict.similarity[pair.second] == np.float32(pair.similarity)
    for pair in below:  # both stand at 0.9
        assert not strict.plan.not_kept[[pair.first, pair.second]].any()


def test_the_approximate_index_finds_the_pairs_the_exact_search_finds():
    from core.dedup.edges import SEMANTIC
    from core.dedup.neighbours import cosine_edges

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(400, 32)).astype(np.float32)
    vectors[200:220] = vectors[:20] + rng.normal(scale=0.05, size=(20, 32))  # 20 close copies
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact = run_to_end(cosine_edges(vectors, 0.9))
    approximate = run_to_end(cosine_edges(vectors, 0.9, exact_limit=0))
    assert exact.kind == approximate.kind == SEMANTIC
    pairs = set(zip(exact.first.tolist(), exact.second.tolist(), strict=True))
    assert {(i, 200 + i) for i in range(20)} <= pairs
    assert set(zip(approximate.first.tolist(), approximate.second.tolist(), strict=True)) == pairs
    np.testing.assert_allclose(
        np.sort(approximate.similarity), np.sort(exact.similarity), atol=1e-4
    )


def test_keeping_another_copy_re_anchors_its_cluster():
    # 0≈1 and 1≈2, but 0 and 2 are far apart; 3≈2 only.
    edges = [Edges.from_lists(NEAR, [0, 1, 2], [1, 2, 3], [0.9, 0.85, 0.95])]
    first = anchor(4, edges)
    assert first.kept.tolist() == [0, 0, 2, 2]
    # K on row 1: it keeps both neighbours; 3 is no copy of 1, so it stands on its own.
    chosen = np.array([False, True, False, False])
    second = anchor(4, edges, preferred=chosen)
    assert second.kept.tolist() == [1, 1, 1, 3]
    # K on row 0 within that cluster: 2 is not similar to 0, so it leaves and takes 3 again.
    chosen = np.array([True, False, False, False])
    third = anchor(4, edges, preferred=chosen)
    assert third.kept.tolist() == [0, 0, 2, 2]
    assert third.similarity[1] == np.float32(0.9) and third.similarity[3] == np.float32(0.95)


def test_a_row_matching_several_kept_copies_joins_the_most_similar():
    # 0 and 1 are kept (independent); 2 matches both, 1 more closely.
    edges = [Edges.from_lists(NEAR, [0, 1], [2, 2], [0.82, 0.93])]
    anchoring = anchor(3, edges)
    assert anchoring.kept.tolist() == [0, 1, 1]
    assert anchoring.similarity[2] == np.float32(0.93)
