"""Anchored clusters hold their guarantees on any similarity graph and any preference order.

Graphs are generated the way detectors report them: per kind, rows with identical compared
text form a group joined to its first row by similarity-1 *copy edges*, and other matches are
reported between the groups' first rows only. The reference similarity of two rows is then
1 within a group and the group pair's similarity otherwise.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dedup.anchor import anchor
from core.dedup.config import DedupConfig
from core.dedup.edges import EXACT, NEAR, SEMANTIC, Edges, concatenate, copy_edges
from core.dedup.keep import DUPLICATE, EXTRA, KEPT, plan_keep
from core.dedup.result import DuplicateResult

FLOORS = {EXACT: 1.0, NEAR: 0.5, SEMANTIC: 0.6}


@st.composite
def runs(draw):
    """A run over 1-24 rows with exact, near and semantic edges, and the true similarities."""
    rows = draw(st.integers(1, 24))
    edges: dict[int, Edges] = {}
    truth = np.zeros((3, rows, rows), dtype=np.float32)
    for kind in (EXACT, NEAR, SEMANTIC):
        groups = np.array(
            draw(st.lists(st.integers(0, rows - 1), min_size=rows, max_size=rows)), dtype=np.int64
        )
        _, groups = np.unique(groups, return_inverse=True)
        parts = [copy_edges(kind, groups)]
        truth[kind][groups[:, None] == groups[None, :]] = 1.0
        if kind != EXACT:
            leaders = np.array([np.flatnonzero(groups == g)[0] for g in range(groups.max() + 1)])
            count = len(leaders)
            values = np.linspace(FLOORS[kind], 0.99, 50).astype(np.float32).tolist()
            pairs = draw(
                st.lists(
                    st.tuples(
                        st.integers(0, count - 1),
                        st.integers(0, count - 1),
                        st.sampled_from(values),
                    ),
                    max_size=3 * count,
                )
            )
            pairs = [(a, b, s) for a, b, s in pairs if a != b]
            if pairs:
                a, b, s = (np.array(x) for x in zip(*pairs, strict=True))
                found = Edges.from_lists(kind, leaders[a], leaders[b], s)
                parts.append(found)
                for x, y, sim in zip(found.first, found.second, found.similarity, strict=True):
                    block = np.ix_(groups == groups[x], groups == groups[y])
                    truth[kind][block] = sim
                    truth[kind][block[::-1]] = sim
        edges[kind] = concatenate(kind, parts)
    run_settings = DedupConfig(exact=True, near=0.5, semantic=0.6)
    result = DuplicateResult(run_settings, rows, "sha", edges, dict(FLOORS))
    return result, truth


def _settings_or_default(near, semantic, exact):
    if not exact and near is None and semantic is None:
        exact = True
    return DedupConfig(exact=exact, near=near, semantic=semantic)


trial_settings = st.builds(
    _settings_or_default,
    st.one_of(st.none(), st.floats(0.5, 1.0)),
    st.one_of(st.none(), st.floats(0.6, 1.0)),
    st.booleans(),
)


def preferences(rows: int):
    scores = st.one_of(
        st.none(),
        st.lists(st.one_of(st.floats(-5, 5), st.just(float("nan"))), min_size=rows, max_size=rows),
    )
    chosen = st.lists(st.booleans(), min_size=rows, max_size=rows)
    return st.tuples(scores, chosen)


def check(result: DuplicateResult, truth: np.ndarray, trial: DedupConfig, scores, chosen):
    scores = None if scores is None else np.array(scores, dtype=np.float64)
    chosen = np.array(chosen, dtype=bool)
    anchoring = anchor(result.rows, result.thresholded(trial), scores, chosen)
    # The vectorised rounds and the one-by-one walk reach the same answer.
    for strategy in ("rounds", "walk"):
        other = anchor(result.rows, result.thresholded(trial), scores, chosen, strategy)
        np.testing.assert_array_equal(other.kept, anchoring.kept)
        np.testing.assert_array_equal(other.similarity, anchoring.similarity)
    kinds = trial.kinds()
    limit = {k: np.float32(trial.threshold(k)) - np.float32(1e-6) for k in kinds}
    rows = np.arange(result.rows)
    kept_rows = np.flatnonzero(anchoring.kept == rows)

    # A curator's chosen copy is always kept.
    assert np.all(anchoring.kept[chosen] == rows[chosen])
    # Every dropped row matches its own kept copy at or above that kind's threshold, and the
    # similarity shown is that match's.
    for row in np.flatnonzero(anchoring.kept != rows).tolist():
        kept, kind = int(anchoring.kept[row]), int(anchoring.match[row])
        assert anchoring.kept[kept] == kept  # a kept copy, not another duplicate
        assert kind in kinds
        assert truth[kind, row, kept] >= limit[kind]
        assert anchoring.similarity[row] == truth[kind, row, kept]
    # Kept copies are independent: no two match, unless both are a curator's choice.
    for i, a in enumerate(kept_rows.tolist()):
        for b in kept_rows[i + 1 :].tolist():
            if chosen[a] and chosen[b]:
                continue
            assert not any(truth[k, a, b] >= limit[k] for k in kinds), (a, b)
    # Roles agree with the anchoring, whatever the budget.
    plan = plan_keep(anchoring, scores, trial.budget)
    assert set(np.flatnonzero((plan.role == DUPLICATE) | (plan.role == EXTRA)).tolist()) == set(
        np.flatnonzero(anchoring.kept != rows).tolist()
    )
    assert np.all(plan.role[anchoring.kept[anchoring.kept != rows]] == KEPT)
    return anchoring


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_drop_matches_its_kept_copy_and_kept_copies_are_independent(data):
    result, truth = data.draw(runs())
    trial = data.draw(trial_settings)
    scores, chosen = data.draw(preferences(result.rows))
    check(result, truth, trial, scores, chosen)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_re_planning_after_any_change_keeps_the_guarantees(data):
    """New scores, a kept copy chosen (K), a threshold moved, the budget: one after another."""
    result, truth = data.draw(runs())
    trial = data.draw(trial_settings)
    scores, chosen = data.draw(preferences(result.rows))
    anchoring = check(result, truth, trial, scores, chosen)
    for _ in range(data.draw(st.integers(1, 4))):
        change = data.draw(st.sampled_from(["scores", "keep", "threshold", "budget"]))
        if change == "scores":
            scores, _ = data.draw(preferences(result.rows))
        elif change == "keep":
            # K in the cluster view: the chosen row replaces the choices in its cluster.
            row = data.draw(st.integers(0, result.rows - 1))
            cluster = anchoring.kept == anchoring.kept[row]
            chosen = [c and not cluster[i] for i, c in enumerate(chosen)]
            chosen[row] = True
        elif change == "threshold":
            trial = data.draw(trial_settings).with_changes(budget=trial.budget)
        else:
            trial = trial.with_changes(budget=data.draw(st.floats(0.0, 1.0)))
        anchoring = check(result, truth, trial, scores, chosen)
        if change == "keep":
            assert anchoring.kept[row] == row
