"""What a cluster worker runs: one reward model per actor, one block of rows per call.

Nothing here imports Ray: :class:`BlockScorer` is a plain callable class that Ray Data turns
into an actor pool, so it is tested (and could be driven by any other engine) without a cluster.
It scores with the very :class:`~core.scoring.scorers.ModelScorer` the app and the local
command line use: same encoding, truncation, dtype and batching, hence the same scores and the
same cache key.
"""

from __future__ import annotations

import os

import numpy as np
import orjson
import pyarrow as pa

from core.cluster.blocks import Block
from core.cluster.shards import batch_table
from core.dataset import Dataset
from core.schemas import Turn
from core.scoring.engine import ScoredBatch

#: Columns of the tables the driver sends: the text a model reads and where each row belongs.
INPUT_COLUMNS = ("block", "row", "window", "prompt", "response", "turns")


def block_input(dataset: Dataset, block: Block, with_turns: bool) -> pa.Table:
    """The rows of ``block`` as the table its worker receives (``turns`` for chat models)."""
    rows = range(block.start, block.stop)
    turns = ([orjson.dumps([list(t) for t in dataset.conversation(r)]).decode()
              for r in rows] if with_turns
             else [None] * len(block))
    return pa.table({
        "block": pa.array(np.full(len(block), block.index, dtype=np.int32)),
        "row": pa.array(block.rows),
        "window": pa.array(block.window_numbers()),
        "prompt": pa.array(dataset.prompts[block.start:block.stop], pa.large_string()),
        "response": pa.array(dataset.responses[block.start:block.stop], pa.large_string()),
        "turns": pa.array(turns, pa.large_string()),
    })


class BlockRows:
    """A block's rows standing in for a :class:`Dataset` where the scorer reads text."""

    def __init__(self, table: pa.Table):
        self.prompts = table.column("prompt").to_pylist()
        self.responses = table.column("response").to_pylist()
        self._turns = table.column("turns").to_pylist()

    def __len__(self) -> int:
        return len(self.prompts)

    def conversation(self, row: int) -> list[Turn]:
        """The record's labelled turns, as the driver read them from the dataset."""
        raw = self._turns[row]
        if raw is None:
            return []
        return [Turn(*turn) for turn in orjson.loads(raw)]


def describe_scorer(settings) -> dict:
    """The description (hence cache key) a worker's scorer will have, without its weights.

    Run as a Ray task with the workers' resources, so ``auto`` device and dtype resolve as they
    will on the workers (bfloat16 on one GPU, float16 on an older one, float32 on a CPU).
    """
    from core.scoring.devices import resolve_device, resolve_dtype
    from core.scoring.model_files import locate_model
    from core.scoring.reward_model import load_config, load_tokenizer
    from core.scoring.scorers import model_description

    files = locate_model(settings.model, settings.revision)
    dtype = resolve_dtype(settings.dtype, resolve_device(settings.device))
    return model_description(files, load_tokenizer(files), load_config(files), settings, dtype)


class BlockScorer:
    """A Ray Data actor: loads the model once, then scores whole blocks.

    ``threads``: torch's CPU threads in this actor (Ray gives each actor its CPUs; more threads
    than that only make actors on one machine fight over cores).
    """

    def __init__(self, settings, threads: int = 1):
        import torch

        from core.scoring.run import make_scorer

        torch.set_num_threads(max(1, threads))
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.scorer = make_scorer(settings)

    def __call__(self, table: pa.Table) -> pa.Table:
        """Score one block (one table holds one block: ``map_batches(batch_size=None)``)."""
        blocks = np.unique(table.column("block").to_numpy())
        return pa.concat_tables([self._score_block(table.filter(pa.compute.equal(
            table.column("block"), pa.scalar(int(b), pa.int32())))) for b in blocks])

    def _score_block(self, table: pa.Table) -> pa.Table:
        rows = table.column("row").to_numpy()
        sizes = tuple(int(n) for n in np.bincount(table.column("window").to_numpy()))
        parts = list(self.scorer.score(BlockRows(table), np.arange(len(rows)), sizes))
        merged = merge_batches(parts, len(rows))
        results = batch_table(
            ScoredBatch(rows, merged.scores, merged.truncated, merged.unscorable,
                        {int(rows[r]): why for r, why in merged.reasons.items()}),
            *row_tokens(parts, len(rows)))
        n = results.num_rows
        block = int(table.column("block")[0].as_py())
        return (results.append_column("block", pa.array(np.full(n, block, dtype=np.int32)))
                .append_column("scorer_key", pa.array([self.scorer.key] * n)))


def merge_batches(parts: list[ScoredBatch], n: int) -> ScoredBatch:
    """Batches covering rows ``0..n-1`` once each, as one batch in row order."""
    scores = np.full(n, np.nan, dtype=np.float32)
    truncated = np.zeros(n, dtype=bool)
    unscorable = np.zeros(n, dtype=bool)
    reasons: dict[int, str] = {}
    for part in parts:
        scores[part.rows] = part.scores
        truncated[part.rows] = part.truncated
        unscorable[part.rows] = part.unscorable
        reasons.update(part.reasons)
    return ScoredBatch(np.arange(n, dtype=np.int64), scores, truncated, unscorable, reasons)


def row_tokens(parts: list[ScoredBatch], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Real and padded tokens per row (0 for rows that never reached the model)."""
    tokens = np.zeros(n, dtype=np.int64)
    padded = np.zeros(n, dtype=np.int64)
    for part in parts:
        if part.lengths is not None and len(part.rows):
            tokens[part.rows] = part.lengths
            padded[part.rows] = part.computed_tokens // len(part.rows)
    return tokens, padded
