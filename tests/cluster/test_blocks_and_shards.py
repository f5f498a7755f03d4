"""Blocks, shards and the worker's block scorer, without Ray: the parts a resume relies on."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from core.cluster.block_scorer import BlockScorer, block_input
from core.cluster.blocks import block_key, plan_blocks
from core.cluster.shards import ShardFolder, batch_table, table_batch
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset
from core.scoring.engine import WINDOW_ROWS, ScoredBatch, windows


@pytest.mark.parametrize("total", [0, 1, 255, 256, 1_300, 20_000, 70_001])
def test_blocks_cover_every_row_once_and_keep_the_local_window_edges(total):
    blocks = plan_blocks(total, 16_384)
    rows = np.concatenate([b.rows for b in blocks]) if blocks else np.array([], dtype=np.int64)
    assert np.array_equal(rows, np.arange(total))
    assert all(len(b) <= 16_384 and sum(b.window_sizes) == len(b) for b in blocks)
    local_edges = np.cumsum([len(w) for w in windows(np.arange(total), WINDOW_ROWS)])
    block_edges = np.cumsum([size for b in blocks for size in b.window_sizes])
    assert np.array_equal(local_edges, block_edges)


def test_small_blocks_cap_their_windows():
    blocks = plan_blocks(1_000, 300)
    assert [len(b) for b in blocks] == [256, 300, 300, 144]
    assert max(size for b in blocks for size in b.window_sizes) == 300


def test_a_block_key_changes_with_the_scorer_and_the_rows(sample):
    block = plan_blocks(len(sample), 100)[1]
    key = block_key(block, "scorer-a", sample.fingerprints)
    assert key == block_key(block, "scorer-a", sample.fingerprints.copy())
    assert key != block_key(block, "scorer-b", sample.fingerprints)
    edited = sample.fingerprints.copy()
    edited[block.start] = b"\x00" * len(edited[block.start])
    assert key != block_key(block, "scorer-a", edited)
    outside = sample.fingerprints.copy()
    outside[block.stop] = b"\x00" * len(outside[block.stop])  # another block's row
    assert key == block_key(block, "scorer-a", outside)


def results_for(block, unscorable_row=None):
    rows = block.rows
    bad = rows == unscorable_row
    scores = np.where(bad, np.nan, rows * 0.5).astype(np.float32)
    reasons = {int(unscorable_row): "unscorable: too long"} if bad.any() else {}
    return batch_table(
        ScoredBatch(rows[::-1], scores[::-1], rows[::-1] % 2 == 0, bad[::-1], reasons),
        np.full(len(rows), 7),
        np.full(len(rows), 8),
    )


def test_a_shard_round_trips_its_results_in_row_order(tmp_path):
    block = plan_blocks(1_000, 300)[1]
    folder = ShardFolder(tmp_path / "shards")
    assert block.start == 256
    folder.write(block, "key", results_for(block, unscorable_row=300))
    batch, note = folder.read(block, "key")
    assert note is None
    assert np.array_equal(batch.rows, block.rows)
    assert batch.scores[1] == np.float32(257 * 0.5) and np.isnan(batch.scores[44])
    assert batch.unscorable.sum() == 1 and batch.reasons == {300: "unscorable: too long"}
    assert batch.truncated[0] and not batch.truncated[1]
    assert batch.real_tokens == 7 * len(block) and batch.computed_tokens == 8 * len(block)


def test_stale_or_damaged_shards_are_scored_again_with_a_note(tmp_path):
    blocks = plan_blocks(1_000, 300)
    folder = ShardFolder(tmp_path)
    assert folder.read(blocks[0], "key") == (None, None)  # never written
    folder.write(blocks[0], "key", results_for(blocks[0]))
    batch, note = folder.read(blocks[0], "other data or model")
    assert batch is None and "other data or another model" in note
    path = folder.path(blocks[0])
    path.write_bytes(path.read_bytes()[:100])  # cut short by a crash
    batch, note = folder.read(blocks[0], "key")
    assert batch is None and "unreadable" in note and "block 0" in note


def test_a_shard_must_hold_exactly_its_blocks_rows(tmp_path):
    first, second = plan_blocks(1_000, 300)[:2]
    with pytest.raises(ValueError, match="other rows"):
        ShardFolder(tmp_path).write(first, "key", results_for(second))
    table = results_for(first).slice(0, 10)
    pq.write_table(
        table.replace_schema_metadata({b"thresher.block_key": b"key"}),
        ShardFolder(tmp_path).path(first),
    )
    batch, note = ShardFolder(tmp_path).read(first, "key")
    assert batch is None and "rows" in note


def test_table_batch_inverts_batch_table():
    block = plan_blocks(600, 300)[1]
    batch = table_batch(results_for(block, unscorable_row=block.start))
    again = table_batch(batch_table(batch, np.full(len(block), 7), np.full(len(block), 8)))
    assert np.array_equal(again.scores, batch.scores, equal_nan=True)
    assert again.reasons == batch.reasons


@pytest.mark.parametrize("model", ["tiny_model", "chat_model"])
def test_the_block_scorer_gives_the_local_engines_scores_bit_for_bit(model, sample, request):
    """Blocks keep the local windows, so every row meets the model in the same batch."""
    settings = ScoreConfig(model=str(request.getfixturevalue(model)), device="cpu", max_length=64)
    scorer = make_scorer(settings)
    local = ScoreTable(len(sample))
    for update in score_dataset(sample, scorer):
        local.apply(update.batch)
    worker = BlockScorer(settings)
    assert worker.scorer.key == scorer.key
    with_turns = scorer.format == "chat"
    assert with_turns == (model == "chat_model")
    blocks = plan_blocks(len(sample), 100)  # 256-row window capped: 100 + 100 + 56 + 38
    default = plan_blocks(len(sample))
    for plan, exact in ((default, True), (blocks, False)):
        table = ScoreTable(len(sample))
        for block in plan:
            result = table_batch(
                worker(block_input(sample, block, with_turns)).drop_columns(["block", "scorer_key"])
            )
            table.apply(result)
        if exact:
            assert np.array_equal(table.scores, local.scores)
        else:
            np.testing.assert_allclose(table.scores, local.scores, rtol=0, atol=1e-5)
        assert np.array_equal(table.truncated, local.truncated)
