"""Score columns: one per scorer, restored, renamed, hidden, removed, exported, and named.

``curate``'s rule flags name them the way the app shows them.
"""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import pytest

from cli import main
from core.review import DROP, KEEP
from core.review.score_columns import HEURISTIC_KEY, ColumnError
from core.scoring.run import META_LAST_SCORER, cache_batch
from core.scoring.scored_batch import ScoredBatch

JUDGE = {
    "model": "SmolLM2-135M-Instruct-Q8_0.gguf",
    "kind": "judge",
    "prompt": {"name": "alpagasus-accuracy"},
}
REWARD = {"model": "org/tiny-rm", "revision": "main"}


def _cache(session, key: str, description: dict, scores: np.ndarray, last: bool = True):
    """Put a scorer's results in the project's cache the way a scoring run does."""
    store, dataset = session.store, session.dataset
    sid = store.scorer_id(key, description)
    rows = np.arange(len(scores))
    cache_batch(
        store,
        sid,
        dataset,
        ScoredBatch(
            rows, scores.astype(np.float32), np.zeros(len(rows), bool), np.zeros(len(rows), bool)
        ),
    )
    if last:
        store.set_meta(META_LAST_SCORER, str(sid))


def _two_scorers(session):
    n = len(session.dataset)
    rng = np.random.default_rng(3)
    reward = rng.normal(size=n)
    judge = np.clip(np.round(reward + rng.normal(scale=1.0, size=n) + 3), 1, 5)
    _cache(session, "reward-key", REWARD, reward, last=False)
    _cache(session, "judge-key", JUDGE, judge)
    return reward.astype(np.float32), judge.astype(np.float32)


def test_every_cached_scorer_is_a_column_and_the_layout_is_restored(sample_copy, open_session):
    _two_scorers(open_session(sample_copy))
    session = open_session(sample_copy)
    assert session.column_names() == {
        "reward-key": "reward:tiny-rm",
        "judge-key": "judge:alpagasus-accuracy",
    }
    assert session.score_key == "judge-key"  # the last run is "the score"
    session.rename_column("judge-key", "accuracy")
    session.set_column_hidden("reward-key", True)
    session.move_column("judge-key", 0)
    again = open_session(sample_copy)
    assert list(again.columns) == ["judge-key", "reward-key"]
    assert again.columns["judge-key"].name == "accuracy"
    assert again.columns["reward-key"].hidden
    with pytest.raises(ColumnError, match="already called"):
        again.rename_column("reward-key", "accuracy")


def test_removing_a_column_keeps_its_cache_unless_asked(sample_copy, open_session):
    _two_scorers(open_session(sample_copy))
    session = open_session(sample_copy)
    session.remove_column("reward-key")
    assert "reward-key" not in open_session(sample_copy).columns
    assert any(key == "reward-key" for _, key, _ in session.store.scorer_list())
    with pytest.raises(ColumnError, match="the rule reads"):  # "the score" is the last run
        session.remove_column("judge-key", forget_cache=True)
    session.set_rule(session.rule.with_changes(mode="all"))
    session.remove_column("judge-key", forget_cache=True)
    assert not any(key == "judge-key" for _, key, _ in session.store.scorer_list())


def test_a_column_the_rule_reads_cannot_be_removed(sample_copy, open_session):
    _two_scorers(open_session(sample_copy))
    session = open_session(sample_copy)
    session.set_rule(session.rule.with_changes(scorer="reward-key"))
    with pytest.raises(ColumnError, match="the rule reads reward:tiny-rm"):
        session.remove_column("reward-key")


def test_an_old_project_with_one_score_restores_as_one_column(sample_copy, open_session):
    session = open_session(sample_copy)
    _cache(session, "only-key", REWARD, np.linspace(0, 1, len(session.dataset)))
    session.store.set_meta(
        "review.rule", orjson.dumps({"mode": "threshold", "min_score": 0.5}).decode()
    )
    reopened = open_session(sample_copy)
    assert list(reopened.columns) == ["only-key"]
    # the scores arrive from the cache (the app's scoring thread does this)
    from core.review.score_columns import fill_cached_columns

    assert fill_cached_columns(reopened) == 1
    assert (reopened.final == KEEP).sum() == (reopened.scores >= 0.5).sum()


def test_a_run_becomes_the_default_column_and_the_heuristics_fill_their_own(
    sample_copy, open_session
):
    session = open_session(sample_copy)
    n = len(session.dataset)
    session.set_scores(
        slice(None),
        np.zeros(n, np.float32),
        key=HEURISTIC_KEY,
        description={"model": "heuristic"},
        last_run=True,
    )
    session.set_scores(
        slice(None), np.ones(n, np.float32), key="m", description=REWARD, last_run=True
    )
    assert session.score_key == "m" and session.scores[0] == 1.0
    session.set_flags(slice(None), np.zeros(n, np.uint8), np.full(n, 0.25, np.float32))
    assert session.columns[HEURISTIC_KEY].scores[0] == 0.25
    assert session.scores[0] == 1.0


def test_the_disagreement_queue_skips_rows_decided_by_hand(sample_copy, open_session):
    _two_scorers(open_session(sample_copy))
    session = open_session(sample_copy)
    from core.review.score_columns import fill_cached_columns

    fill_cached_columns(session)
    queue = session.disagreement_rows("reward-key", "judge-key")
    session.decide([queue[0]], DROP)
    after = session.disagreement_rows("reward-key", "judge-key")
    assert after.tolist() == queue[1:].tolist()


def _run(capsys, *argv) -> dict:
    code = main(list(map(str, argv)))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return orjson.loads(captured.out)


def test_curate_keeps_what_every_named_scorer_keeps(sample_copy, open_session, tmp_path, capsys):
    reward, judge = _two_scorers(open_session(sample_copy))
    out = tmp_path / "out.jsonl"
    report = _run(
        capsys,
        "curate",
        sample_copy,
        "--keep",
        "reward>=0.2",
        "--keep",
        "judge:alpagasus-accuracy>=4",
        "--keep-duplicates",
        "--sidecar",
        tmp_path / "out.decisions.parquet",
        "-o",
        out,
        "--json",
    )
    expected = int(((reward >= 0.2) & (judge >= 4)).sum())
    assert report["kept"] == expected
    assert report["rule"] == ("keep reward:tiny-rm ≥ 0.2 and judge:alpagasus-accuracy ≥ 4")
    anyone = _run(
        capsys,
        "curate",
        sample_copy,
        "--keep",
        "reward>=0.2",
        "--keep",
        "judge>=4",
        "--combine",
        "any",
        "--keep-duplicates",
        "-o",
        out,
        "--json",
    )
    assert anyone["kept"] == int(((reward >= 0.2) | (judge >= 4)).sum())
    sidecar = pd.read_parquet(tmp_path / "out.decisions.parquet")
    assert {"score:reward:tiny-rm", "score:judge:alpagasus-accuracy"} <= set(sidecar.columns)
    np.testing.assert_allclose(sidecar["score:reward:tiny-rm"].to_numpy(float), reward, rtol=1e-6)
    manifest = orjson.loads((tmp_path / "out.manifest.json").read_bytes())
    assert [c["name"] for c in manifest["score_columns"]] == [
        "reward:tiny-rm",
        "judge:alpagasus-accuracy",
    ]
    assert manifest["score_columns"][1]["scorer"]["kind"] == "judge"


def test_curate_rank_average_keeps_the_best_fraction(sample_copy, open_session, tmp_path, capsys):
    _two_scorers(open_session(sample_copy))
    report = _run(
        capsys,
        "curate",
        sample_copy,
        "--rank-average",
        "reward=2,judge=1",
        "--keep-fraction",
        "0.3",
        "--keep-duplicates",
        "-o",
        tmp_path / "out.jsonl",
        "--json",
    )
    n = len(open_session(sample_copy).dataset)
    assert report["kept"] == round(0.3 * n)
    assert "rank average of reward:tiny-rm×2, judge:alpagasus-accuracy×1" in report["rule"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--keep", "rewrd>=0.5"],
            "unknown scorer 'rewrd' (this project's score columns: "
            "reward:tiny-rm, judge:alpagasus-accuracy)",
        ),
        (["--rank-average", "reward=2,nope=1", "--keep-fraction", "0.3"], "unknown scorer 'nope'"),
        (["--keep", "reward>=high"], "'high' is not a number"),
        (["--keep", "reward>=0.5", "--min-score", "0.2"], "--keep already says what to keep"),
        (["--combine", "any"], "--combine joins several --keep conditions"),
    ],
)
def test_bad_rule_flags_get_one_line(sample_copy, open_session, tmp_path, capsys, flags, message):
    _two_scorers(open_session(sample_copy))
    assert main(["curate", str(sample_copy), *flags, "-o", str(tmp_path / "o.jsonl")]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_the_score_filter_reads_the_scorer_it_names(sample_copy, open_session):
    from core.review import RowFilter
    from core.review.score_columns import fill_cached_columns

    reward, judge = _two_scorers(open_session(sample_copy))
    session = open_session(sample_copy)
    fill_cached_columns(session)
    inputs = session.filter_inputs()
    by_judge = RowFilter(score_min=4, score_column="judge-key").mask(inputs)
    assert np.array_equal(by_judge, judge >= 4)
    by_reward = RowFilter(score_min=0.5, score_max=1.0, score_column="reward-key").mask(inputs)
    assert np.array_equal(by_reward, (reward >= 0.5) & (reward <= 1.0))
    assert not RowFilter(score_min=0, score_column="gone").mask(inputs).any()
    saved = RowFilter(score_min=4, score_column="judge-key")
    assert RowFilter.from_dict(saved.to_dict()) == saved


def test_the_heuristic_column_stays_after_another_scorer_runs(
    sample_copy, open_session, capsys, tmp_path
):
    _run(capsys, "score", sample_copy, "--model", "heuristic", "-o", tmp_path / "h.jsonl", "--json")
    _cache(
        open_session(sample_copy), "judge-key", JUDGE, np.arange(294, dtype=np.float32) % 5 + 1
    )  # then a judge ran (and was last)
    session = open_session(sample_copy)
    assert set(session.columns) == {HEURISTIC_KEY, "judge-key"}
    assert session.score_key == "judge-key"
