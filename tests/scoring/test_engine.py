"""The batch loop: batched scores equal single scores, padding stays low, OOM shrinks batches."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
import torch

from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset
from core.scoring.batching import padded_tokens, plan_batches
from core.scoring.encoding import EncodedRows
from core.scoring.engine import TOO_LONG_FOR_DEVICE, BatchRunner


def run_all(scorer, dataset, store=None):
    table = ScoreTable(len(dataset))
    generator = score_dataset(dataset, scorer, store)
    while True:
        try:
            table.apply(next(generator).batch)
        except StopIteration as stop:
            return table, stop.value


def test_batched_scores_equal_one_at_a_time_scores(tiny_model, sample):
    scorer = make_scorer(ScoreConfig(model=str(tiny_model), device="cpu", dtype="float32"))
    table, summary = run_all(scorer, sample)
    assert max(scorer.runner.batch_sizes) > 16  # real batches with padding were used
    singles = []
    for row in range(len(sample)):
        encoded = scorer.encoder.encode([sample.prompts[row]], [sample.responses[row]])
        ids = np.array(encoded.ids)
        singles.append(scorer.model.forward(ids, np.ones_like(ids), None, 0)[0])
    assert np.abs(np.array(singles) - table.scores).max() < 1e-4
    assert summary.scored == len(sample) and not np.isnan(table.scores).any()


def test_the_chosen_output_of_a_multi_output_model_is_the_score(two_head_model, sample):
    first = make_scorer(ScoreConfig(model=str(two_head_model), device="cpu"))
    second = make_scorer(ScoreConfig(model=str(two_head_model), device="cpu", output_index=1))
    a, _ = run_all(first, sample)
    b, _ = run_all(second, sample)
    assert not np.allclose(a.scores, b.scores)
    assert first.key != second.key


def test_token_budget_batches_waste_little_padding_on_gsm8k_lengths(shared_data):
    records = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())
    # Token counts ~ words * 1.3 for prompt + response, as a tokenizer would give.
    lengths = np.array(
        [int(1.3 * len((r["instruction"] + " " + r["output"]).split())) + 3 for r in records],
        dtype=np.int64,
    )
    for window in (256, 1024, 4096):
        batches = plan_batches(lengths[:window], 8192)
        real = sum(int(lengths[b].sum()) for b in batches)
        computed = sum(padded_tokens(lengths[b]) for b in batches)
        assert real / computed >= 0.9, window
        assert sorted(np.concatenate(batches).tolist()) == list(range(window))


class OutOfMemoryAbove:
    """A model that runs out of 'GPU memory' for batches larger than ``limit`` rows."""

    device = torch.device("cpu")
    pad_token_id = 0

    def __init__(self, limit: int, too_long: int | None = None):
        self.limit = limit
        self.too_long = too_long

    def forward(self, ids, mask, type_ids, output_index):
        if len(ids) > self.limit or (self.too_long and ids.shape[1] >= self.too_long):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return mask.sum(axis=1).astype(np.float32)


def encoded(lengths):
    ids = [[1] * n for n in lengths]
    return EncodedRows(ids, None, np.zeros(len(ids), dtype=bool), [None] * len(ids))


def test_out_of_memory_halves_the_batch_and_retries_until_it_fits():
    runner = BatchRunner(OutOfMemoryAbove(limit=10), output_index=0, token_budget=4000)
    rows = np.arange(40) + 100
    batches = list(runner.run(encoded([50] * 40), rows))
    assert runner.batch_sizes[:4] == [40, 20, 10, 10]
    assert runner.token_budget <= 1000  # later batches start from the smaller budget
    scored = np.concatenate([b.rows for b in batches])
    assert sorted(scored.tolist()) == rows.tolist()
    assert all(not b.unscorable.any() for b in batches)


def test_a_row_too_long_even_alone_is_unscorable_and_the_run_goes_on():
    runner = BatchRunner(
        OutOfMemoryAbove(limit=100, too_long=300), output_index=0, token_budget=2000
    )
    batches = list(runner.run(encoded([400, 20, 20, 20]), np.arange(4)))
    table = ScoreTable(4)
    for batch in batches:
        table.apply(batch)
    assert table.unscorable.tolist() == [True, False, False, False]
    assert table.reasons == {0: TOO_LONG_FOR_DEVICE}
    assert table.scores[1:].tolist() == [20.0, 20.0, 20.0]


def test_an_error_other_than_out_of_memory_stops_the_run(tiny_model, sample):
    from core.scoring import ScoringError

    scorer = make_scorer(ScoreConfig(model=str(tiny_model), device="cpu"))
    real_forward = scorer.model.forward
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return real_forward(*args)

    scorer.runner.model = type(
        "Failing",
        (),
        {
            "device": scorer.model.device,
            "pad_token_id": scorer.model.pad_token_id,
            "forward": staticmethod(failing),
        },
    )()
    table = ScoreTable(len(sample))
    generator = score_dataset(sample, scorer)
    with pytest.raises(ScoringError, match="illegal memory access") as caught:
        for update in generator:
            table.apply(update.batch)
    kept = int((~np.isnan(table.scores)).sum())
    assert kept > 0 and f"after {kept:,} of" in str(caught.value)
