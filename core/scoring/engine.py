"""The batch loop: padded batches through the model, with out-of-memory back-off.

A CUDA out-of-memory error shrinks the batch and retries it. Recovery happens *after* leaving
the ``except`` block: inside it the traceback still holds the failed batch's tensors, and the
retry would run out of memory again (pytorch #18853). A single row that still does not fit is
marked unscorable and the run goes on. Any other error propagates and stops the run; every
batch already yielded has been kept by the caller.

Tokenisation of the next window of rows runs on a helper thread while the model scores the
current one (the Rust tokenizer releases the GIL).
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np
import torch

from core.scoring.batching import MAX_BATCH_ROWS, padded_tokens, plan_batches, split_to_budget
from core.scoring.encoding import EncodedRows
from core.scoring.scored_batch import ScoredBatch

#: Rows tokenised per window: small at first so the first scores show at once, then larger
#: windows so length sorting has enough rows to pack tightly.
WINDOW_ROWS = (256, 1024, 4096)
TOO_LONG_FOR_DEVICE = "unscorable: too long for the device's memory even alone"


class ForwardModel(Protocol):
    """What the batch loop needs from a model (:class:`core.scoring.reward_model.RewardModel`)."""

    device: torch.device
    pad_token_id: int

    def forward(
        self, ids: np.ndarray, mask: np.ndarray, type_ids: np.ndarray | None, output_index: int
    ) -> np.ndarray:
        """Scores for one padded batch."""


def release_memory(device: torch.device | None) -> None:
    """Collect garbage and hand cached GPU blocks back after an out-of-memory error."""
    gc.collect()
    if device is not None and device.type == "cuda":
        torch.cuda.empty_cache()


def unscorable_batch(rows: np.ndarray, truncated: np.ndarray, reasons: list[str]) -> ScoredBatch:
    """A batch of rows that get no score, each with its reason."""
    return ScoredBatch(
        rows,
        np.full(len(rows), np.nan, dtype=np.float32),
        truncated,
        np.ones(len(rows), dtype=bool),
        dict(zip(rows.tolist(), reasons, strict=True)),
    )


class BatchRunner:
    """Runs encoded rows through a model, shrinking batches on out-of-memory errors."""

    def __init__(
        self,
        model: ForwardModel,
        output_index: int,
        token_budget: int,
        max_rows: int = MAX_BATCH_ROWS,
    ):
        self.model = model
        self.output_index = output_index
        self.token_budget = token_budget
        self.max_rows = max_rows
        #: Every attempted batch size, in order (out-of-memory back-off is visible here).
        self.batch_sizes: list[int] = []

    def run(self, encoded: EncodedRows, rows: np.ndarray) -> Iterator[ScoredBatch]:
        """Score ``rows`` (dataset rows aligned with ``encoded``) batch by batch."""
        failed = np.array([e is not None for e in encoded.errors], dtype=bool)
        if failed.any():
            where = np.flatnonzero(failed)
            yield unscorable_batch(
                rows[where], encoded.truncated[where], [e for e in encoded.errors if e is not None]
            )
        lengths = encoded.lengths
        good = np.flatnonzero(~failed)
        queue = deque(
            good[b] for b in plan_batches(lengths[good], self.token_budget, self.max_rows)
        )
        while queue:
            batch = queue.popleft()
            if len(batch) > 1 and padded_tokens(lengths[batch]) > self.token_budget:
                queue.extendleft(reversed(split_to_budget(batch, lengths, self.token_budget)))
                continue
            self.batch_sizes.append(len(batch))
            ids, mask, type_ids = pad_batch(encoded, batch, self.model.pad_token_id)
            out_of_memory = False
            try:
                scores = self.model.forward(ids, mask, type_ids, self.output_index)
            except torch.OutOfMemoryError:
                out_of_memory = True
            if out_of_memory:
                del ids, mask, type_ids
                release_memory(getattr(self.model, "device", None))
                if len(batch) == 1:
                    yield unscorable_batch(
                        rows[batch], encoded.truncated[batch], [TOO_LONG_FOR_DEVICE]
                    )
                    continue
                self.token_budget = max(1, padded_tokens(lengths[batch]) // 2)
                half = (len(batch) + 1) // 2
                queue.appendleft(batch[half:])
                queue.appendleft(batch[:half])
                continue
            yield ScoredBatch(
                rows[batch],
                np.asarray(scores, dtype=np.float32),
                encoded.truncated[batch],
                np.zeros(len(batch), dtype=bool),
                real_tokens=int(lengths[batch].sum()),
                computed_tokens=int(ids.size),
                lengths=lengths[batch],
            )


def pad_batch(
    encoded: EncodedRows, batch: np.ndarray, pad_id: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Right-padded ids, attention mask and (when used) token types for one batch."""
    width = max(len(encoded.ids[i]) for i in batch)
    ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    token_types = encoded.type_ids
    type_ids = np.zeros((len(batch), width), dtype=np.int64) if token_types else None
    for out, i in enumerate(batch):
        row = encoded.ids[i]
        ids[out, : len(row)] = row
        mask[out, : len(row)] = 1
        if type_ids is not None and token_types is not None:
            type_ids[out, : len(row)] = token_types[i]
    return ids, mask, type_ids


def windows(rows: np.ndarray, sizes: tuple[int, ...] = WINDOW_ROWS) -> list[np.ndarray]:
    """``rows`` cut into windows of the growing ``sizes`` (the last size repeats)."""
    out, start, k = [], 0, 0
    while start < len(rows):
        size = sizes[min(k, len(sizes) - 1)]
        out.append(rows[start : start + size])
        start += size
        k += 1
    return out


def score_windows(
    runner: BatchRunner,
    encode: Callable[[np.ndarray], EncodedRows],
    rows: np.ndarray,
    sizes: tuple[int, ...] = WINDOW_ROWS,
) -> Generator[ScoredBatch, None, None]:
    """Encode window k+1 on a helper thread while window k is scored."""
    chunks = windows(rows, sizes)
    if not chunks:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="thresher-tokenize") as pool:
        pending = pool.submit(encode, chunks[0])
        for k, chunk in enumerate(chunks):
            encoded = pending.result()
            if k + 1 < len(chunks):
                pending = pool.submit(encode, chunks[k + 1])
            yield from runner.run(encoded, chunk)
