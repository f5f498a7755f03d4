"""Training on manual decisions: honest about too few, never touching a curator's decision."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.generators import run_to_end
from core.learned import storage
from core.learned.model import MIN_EACH, LearnedModel, TooFewDecisions
from core.learned.train import learn
from core.review import AUTO, DROP, KEEP, ReviewSession, Rule
from tests.learned.conftest import separable_features


def _truth(n: int) -> np.ndarray:
    return np.random.default_rng(7).random(n) < 0.5


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(decided=st.data())
def test_training_and_prediction_never_change_a_manual_decision(sample_session, decided):
    session = sample_session
    n = len(session.dataset)
    truth = _truth(n)
    rows = np.asarray(
        decided.draw(
            st.lists(st.integers(0, n - 1), min_size=2 * MIN_EACH + 10, max_size=n, unique=True)
        ),
        dtype=np.int64,
    )
    flip = np.asarray(
        decided.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))), dtype=bool
    )
    keep = truth[rows] ^ (flip & (np.arange(len(rows)) % 5 == 0))  # a curator errs sometimes
    session.decide(np.flatnonzero(session.manual != AUTO), AUTO)  # start from none
    session.decide(rows[keep], KEEP)
    session.decide(rows[~keep], DROP)
    before_manual = session.manual.copy()
    before_final = session.final.copy()
    before_store = session.store.decisions()
    features = separable_features(n, truth)
    try:
        result = run_to_end(learn(features, session.manual, "fast"))
    except TooFewDecisions:
        assert min(keep.sum(), (~keep).sum()) < MIN_EACH
        return
    storage.save(
        session.store, session.dataset, result.model, "decisions", result.rows, result.scores
    )
    session.refresh()
    assert np.array_equal(session.manual, before_manual)
    assert np.array_equal(session.final[rows], before_final[rows])
    assert session.store.decisions() == before_store
    assert not np.isin(result.rows, rows).any()  # no prediction on a decided row
    reopened = ReviewSession(session.dataset, session.store)
    assert np.array_equal(reopened.manual, before_manual)
    cached = storage.cached_predictions(session.store, session.dataset)
    fingerprints = session.dataset.fingerprints
    # A decided row gets no score, unless an identical undecided copy of it was scored.
    decided_only = ~np.isin(fingerprints, fingerprints[result.rows])
    assert cached is not None and np.isnan(cached[decided_only]).all()


@pytest.mark.parametrize(
    ("keeps", "drops"), [(0, 0), (MIN_EACH - 1, 200), (200, MIN_EACH - 1), (5, 5)]
)
def test_too_few_of_either_kind_gives_no_auc_and_no_predictions(keeps, drops):
    n = 500
    manual = np.zeros(n, dtype=np.int8)
    manual[:keeps] = KEEP
    manual[keeps : keeps + drops] = DROP
    with pytest.raises(TooFewDecisions, match=f"{keeps} keep and {drops} drop"):
        run_to_end(learn(separable_features(n, manual == KEEP), manual, "fast"))


def test_exactly_the_minimum_learns_and_reports_a_spread():
    n = 400
    truth = _truth(n)
    manual = np.zeros(n, dtype=np.int8)
    manual[np.flatnonzero(truth)[:MIN_EACH]] = KEEP
    manual[np.flatnonzero(~truth)[:MIN_EACH]] = DROP
    result = run_to_end(learn(separable_features(n, truth, signal=2.0), manual, "fast"))
    model = result.model
    assert (model.keep, model.drop) == (MIN_EACH, MIN_EACH)
    assert model.auc > 0.8 and model.auc_std >= 0
    assert model.describe().startswith(f"learned from {2 * MIN_EACH} of your decisions, AUC ")
    undecided = manual == AUTO
    assert len(result.rows) == undecided.sum()
    # The undecided rows it had never seen are ranked by the signal it learned.
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(truth[result.rows], result.scores) > 0.8


def test_rule_decisions_are_not_labels(sample_session):
    """Rows the rule dropped teach nothing: only the curator's own decisions count."""
    session = sample_session
    n = len(session.dataset)
    session.set_scores(slice(None), np.linspace(0, 1, n, dtype=np.float32))
    session.set_rule(Rule(mode="threshold", min_score=0.5))
    assert (session.final == KEEP).sum() >= MIN_EACH and (session.final == DROP).sum() >= MIN_EACH
    with pytest.raises(TooFewDecisions, match="0 keep and 0 drop"):
        run_to_end(learn(separable_features(n, _truth(n)), session.manual, "fast"))


def test_the_model_survives_a_round_trip_through_json(sample_session):
    n = len(sample_session.dataset)
    truth = _truth(n)
    manual = np.where(truth, KEEP, DROP).astype(np.int8)
    manual[::3] = AUTO
    features = separable_features(n, truth)
    result = run_to_end(learn(features, manual, "fast"))
    storage.save(
        sample_session.store,
        sample_session.dataset,
        result.model,
        "decisions",
        result.rows,
        result.scores,
    )
    model, source = storage.load_model(sample_session.store)
    assert source == "decisions"
    assert isinstance(model, LearnedModel)
    np.testing.assert_allclose(model.predict(features), result.model.predict(features), rtol=1e-6)
    cached = storage.cached_predictions(sample_session.store, sample_session.dataset)
    np.testing.assert_allclose(cached[result.rows], result.scores, rtol=1e-6)


def test_a_retrain_replaces_the_older_learned_scores(sample_session):
    n = len(sample_session.dataset)
    truth = _truth(n)
    manual = np.where(truth, KEEP, DROP).astype(np.int8)
    manual[::2] = AUTO
    store = sample_session.store
    first = run_to_end(learn(separable_features(n, truth), manual, "fast"))
    storage.save(store, sample_session.dataset, first.model, "decisions", first.rows, first.scores)
    manual[::4] = AUTO
    second = run_to_end(learn(separable_features(n, truth, seed=1), manual, "fast"))
    scorer = storage.save(
        store, sample_session.dataset, second.model, "decisions", second.rows, second.scores
    )
    learned = [
        row
        for row in store._db.execute("SELECT id, description FROM scorers")
        if "learned" in row[1]
    ]
    assert [row[0] for row in learned] == [scorer]


def test_a_prompt_kept_once_and_dropped_once_does_not_leak_across_folds():
    """Two answers to one question, one kept and one dropped, carry no signal in the prompt.

    Without grouping by prompt, each fold learned the prompt with the other label and the AUC
    read below chance; grouped, a signal-free set reads near 0.5, and a real signal still shows.
    """
    from core.learned.model import fit

    rng = np.random.default_rng(3)
    pairs = 150
    prompt = np.repeat(rng.normal(size=(pairs, 8)).astype(np.float32), 2, axis=0)
    keep = np.tile([True, False], pairs)
    response = rng.normal(size=(2 * pairs, 8)).astype(np.float32)
    from core.learned.features import BASE_NAMES, PairFeatures

    dense = np.zeros((2 * pairs, len(BASE_NAMES)), np.float32)
    noise = fit(PairFeatures(prompt, response, dense, BASE_NAMES), keep, "fast")
    assert 0.4 < noise.auc < 0.6
    response[:, 0] += np.where(keep, 1.0, -1.0)
    signal = fit(PairFeatures(prompt, response, dense, BASE_NAMES), keep, "fast")
    assert signal.auc > 0.8
