"""The score cache: batch by batch in the project store, so a cancelled run resumes."""

from __future__ import annotations

import numpy as np

from core.project import ProjectStore
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset


class CountingForward:
    """Wraps a model's forward and counts the rows it scores."""

    def __init__(self, model):
        self.model = model
        self.device = model.device
        self.pad_token_id = model.pad_token_id
        self.rows = 0

    def forward(self, ids, mask, type_ids, output_index):
        self.rows += len(ids)
        return self.model.forward(ids, mask, type_ids, output_index)


def counted_scorer(model_path, **settings):
    scorer = make_scorer(ScoreConfig(model=str(model_path), device="cpu", **settings))
    counter = CountingForward(scorer.model)
    scorer.runner.model = counter
    return scorer, counter


def test_the_store_is_durable_by_configuration(tmp_path):
    with ProjectStore(tmp_path / "p.thresher") as store:
        assert store.pragma("journal_mode") == "wal"
        assert store.pragma("synchronous") == 2  # FULL


def test_a_cancelled_run_resumes_where_it_stopped(tiny_model, sample, tmp_path):
    path = tmp_path / "p.thresher"
    scorer, counter = counted_scorer(tiny_model)
    with ProjectStore(path) as store:
        run = score_dataset(sample, scorer, store)
        first = [next(run), next(run)]  # two batches, then the curator cancels
        run.close()
    done_before = sum(len(u.batch.rows) for u in first)
    assert 0 < done_before < len(sample) and counter.rows == done_before

    scorer, counter = counted_scorer(tiny_model)
    table = ScoreTable(len(sample))
    with ProjectStore(path) as store:
        updates = list(score_dataset(sample, scorer, store))
    for update in updates:
        table.apply(update.batch)
    assert updates[0].cached and len(updates[0].batch.rows) == done_before
    assert counter.rows == len(sample) - done_before  # only the rest was computed
    assert not np.isnan(table.scores).any()


def test_reopening_a_scored_file_computes_nothing_and_gives_the_same_scores(
    tiny_model, sample, tmp_path
):
    path = tmp_path / "p.thresher"
    first_table, second_table = ScoreTable(len(sample)), ScoreTable(len(sample))
    scorer, _ = counted_scorer(tiny_model)
    with ProjectStore(path) as store:
        for update in score_dataset(sample, scorer, store):
            first_table.apply(update.batch)
    scorer, counter = counted_scorer(tiny_model)
    with ProjectStore(path) as store:
        updates = list(score_dataset(sample, scorer, store))
    for update in updates:
        second_table.apply(update.batch)
    assert counter.rows == 0 and len(updates) == 1 and updates[0].cached
    np.testing.assert_array_equal(first_table.scores, second_table.scores)
    np.testing.assert_array_equal(first_table.truncated, second_table.truncated)


def test_changing_what_affects_a_score_misses_the_cache(tiny_model, sample, tmp_path):
    path = tmp_path / "p.thresher"
    scorer, _ = counted_scorer(tiny_model)
    with ProjectStore(path) as store:
        list(score_dataset(sample, scorer, store))
    for changed in ({"max_length": 64}, {"format": "template"}, {"dtype": "bfloat16"}):
        scorer, counter = counted_scorer(tiny_model, **changed)
        with ProjectStore(path) as store:
            list(score_dataset(sample, scorer, store))
        assert counter.rows == len(sample), changed


def test_truncated_flags_survive_the_cache(tiny_model, sample, tmp_path):
    path = tmp_path / "p.thresher"
    scorer, _ = counted_scorer(tiny_model, max_length=48)
    fresh = ScoreTable(len(sample))
    with ProjectStore(path) as store:
        for update in score_dataset(sample, scorer, store):
            fresh.apply(update.batch)
    cached = ScoreTable(len(sample))
    scorer, _ = counted_scorer(tiny_model, max_length=48)
    with ProjectStore(path) as store:
        for update in score_dataset(sample, scorer, store):
            cached.apply(update.batch)
    assert fresh.truncated.sum() > 10
    np.testing.assert_array_equal(fresh.truncated, cached.truncated)


CHILD = r"""
import sys
from core.loading import load
from core.project import ProjectStore
from core.scoring import ScoreConfig, make_scorer, score_dataset
dataset = load(sys.argv[1])
scorer = make_scorer(ScoreConfig(model=sys.argv[2], device="cpu", token_budget=400))
with ProjectStore(sys.argv[3]) as store:
    done = 0
    for update in score_dataset(dataset, scorer, store):
        done += len(update.batch.rows)
        print(done, flush=True)          # acknowledged: this batch is committed
"""


def test_a_process_killed_mid_scoring_keeps_every_acknowledged_batch(tiny_model, sample, tmp_path):
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT, SAMPLE

    path = tmp_path / "p.thresher"
    acknowledged = 0
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(SAMPLE), str(tiny_model), str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        for line in child.stdout:
            acknowledged = int(line)
            if acknowledged >= 60:
                child.send_signal(signal.SIGKILL)
                break
        child.wait(timeout=60)
    assert 0 < acknowledged < len(sample)
    with ProjectStore(path) as store:
        assert store.pragma("integrity_check") == "ok"
        scorer, counter = counted_scorer(tiny_model, token_budget=400)
        updates = list(score_dataset(sample, scorer, store))
    assert updates[0].cached and len(updates[0].batch.rows) >= acknowledged
    assert counter.rows == len(sample) - len(updates[0].batch.rows)
