"""What a cluster worker runs: one model per actor, one block of rows per call.

Nothing here imports Ray: :class:`BlockScorer` is a plain callable class that Ray Data turns
into an actor pool, so it is tested (and could be driven by any other engine) without a cluster.
It scores with the very scorer the app and the local command line build
(:func:`core.scoring.run.make_scorer`: a reward model's ``ModelScorer``, a local LLM judge's
``JudgeScorer``, the ``IFDScorer``): same encoding, truncation, dtype and batching, hence the
same scores, the same cache key and the same per-row extras (a judge's entropy, IFD's losses).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import cast

import numpy as np
import orjson
import pyarrow as pa

from core.cluster.blocks import Block
from core.cluster.shards import batch_table
from core.dataset import Dataset
from core.schemas import Turn
from core.scoring.engine import ScoredBatch


def block_input(dataset: Dataset, block: Block, with_turns: bool) -> pa.Table:
    """The rows of ``block`` as the table its worker receives (``turns`` for chat models)."""
    rows = range(block.start, block.stop)
    turns = (
        [orjson.dumps([list(t) for t in dataset.conversation(r)]).decode() for r in rows]
        if with_turns
        else [None] * len(block)
    )
    return pa.table(
        {
            "block": pa.array(np.full(len(block), block.index, dtype=np.int32)),
            "row": pa.array(block.rows),
            "window": pa.array(block.window_numbers()),
            "prompt": pa.array(dataset.prompts[block.start : block.stop], pa.large_string()),
            "response": pa.array(dataset.responses[block.start : block.stop], pa.large_string()),
            "turns": pa.array(turns, pa.large_string()),
        }
    )


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
    if settings.judge:
        from core.judge.run import describe_judge

        return describe_judge(settings)
    if settings.ifd:
        from core.scoring.ifd import describe_ifd

        return describe_ifd(settings)
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

        from core.judge.endpoint import EndpointJudgeScorer
        from core.scoring.run import make_scorer

        torch.set_num_threads(max(1, threads))
        scorer = make_scorer(settings)
        # A server rates an endpoint judge: score_on_ray refuses it before any actor starts.
        assert not isinstance(scorer, EndpointJudgeScorer)
        self.scorer = scorer

    def __call__(self, table: pa.Table) -> pa.Table:
        """Score the blocks in ``table`` (one per call under ``map_batches(batch_size=None)``)."""
        return pa.concat_tables(
            [self._score_block(index, part) for index, part in split_by_block(table)]
        )

    def _score_block(self, index: int, table: pa.Table) -> pa.Table:
        rows = table.column("row").to_numpy()
        sizes = tuple(int(n) for n in np.bincount(table.column("window").to_numpy()))
        # BlockRows offers what a scorer reads of a Dataset (prompts, responses, turns).
        rows_as_dataset = cast("Dataset", BlockRows(table))
        parts = self.scorer.score(rows_as_dataset, np.arange(len(rows)), sizes)
        results = results_table(parts, rows)
        n = results.num_rows
        return results.append_column(
            "block", pa.array(np.full(n, index, dtype=np.int32))
        ).append_column("scorer_key", pa.array([self.scorer.key] * n))


def split_by_block(table: pa.Table) -> Iterator[tuple[int, pa.Table]]:
    """``table``'s rows grouped by their ``block`` column: (block number, its rows)."""
    numbers = table.column("block").to_numpy()
    for index in np.unique(numbers):
        yield int(index), table.filter(pa.array(numbers == index))


def results_table(parts: Iterable[ScoredBatch], rows: np.ndarray) -> pa.Table:
    """Batches over positions ``0..len(rows)-1`` as one shard table of dataset ``rows``.

    Tokens per row are the row's real tokens and its batch's padded width (0 for rows that
    never reached the model).
    """
    n = len(rows)
    scores = np.full(n, np.nan, dtype=np.float32)
    truncated = np.zeros(n, dtype=bool)
    unscorable = np.zeros(n, dtype=bool)
    tokens = np.zeros(n, dtype=np.int64)
    padded = np.zeros(n, dtype=np.int64)
    reasons: dict[int, str] = {}
    entropy: np.ndarray | None = None
    extra: dict[str, np.ndarray] = {}
    for part in parts:
        scores[part.rows] = part.scores
        truncated[part.rows] = part.truncated
        unscorable[part.rows] = part.unscorable
        reasons.update({int(rows[r]): why for r, why in part.reasons.items()})
        if part.lengths is not None and len(part.rows):
            tokens[part.rows] = part.lengths
            padded[part.rows] = part.computed_tokens // len(part.rows)
        if part.entropy is not None:
            if entropy is None:
                entropy = np.full(n, np.nan, dtype=np.float32)
            entropy[part.rows] = part.entropy
        for name, values in part.extra.items():
            if name not in extra:
                extra[name] = np.full(n, False if values.dtype == bool else np.nan, values.dtype)
            extra[name][part.rows] = values
    batch = ScoredBatch(rows, scores, truncated, unscorable, reasons, entropy=entropy, extra=extra)
    return batch_table(batch, tokens, padded)
