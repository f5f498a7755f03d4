"""Cutting a dataset into the blocks a cluster scores, one Parquet shard each.

A block is a run of consecutive rows made of whole scoring *windows*: the local engine length-
sorts and batches rows within windows of 256, 1,024 and then 4,096 rows, and a block keeps the
same window edges, so its rows meet the model in the same batches and get bit-identical scores.
(Blocks smaller than 4,096 rows cap the windows at the block size; scores then move in the last
float bits, as they do between any two batchings.)

A block's key covers the scorer and the fingerprints of its rows, so a shard written for other
data or another model is never taken for this one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from core.scoring.engine import WINDOW_ROWS, windows

#: Rows per block by default: large enough that Ray's per-block cost is noise next to the model,
#: small enough that an interrupted run loses little (a block is a few seconds on a GPU).
DEFAULT_BLOCK_ROWS = 16_384


@dataclass(frozen=True)
class Block:
    """Rows ``start:stop`` of the dataset, scored in windows of ``window_sizes``."""

    index: int
    start: int
    stop: int
    window_sizes: tuple[int, ...]

    @property
    def rows(self) -> np.ndarray:
        """The block's dataset row numbers."""
        return np.arange(self.start, self.stop, dtype=np.int64)

    def __len__(self) -> int:
        return self.stop - self.start

    def window_numbers(self) -> np.ndarray:
        """For each row of the block, which of its windows it falls in (0, 1, …)."""
        return np.repeat(np.arange(len(self.window_sizes), dtype=np.int32), self.window_sizes)


def plan_blocks(total: int, block_rows: int = DEFAULT_BLOCK_ROWS) -> list[Block]:
    """Whole windows of ``range(total)`` grouped into blocks of at most ``block_rows`` rows."""
    if block_rows < 1:
        raise ValueError("a block needs at least one row")
    sizes = tuple(min(size, block_rows) for size in WINDOW_ROWS)
    blocks: list[Block] = []
    start, current = 0, list[int]()
    for window in windows(np.arange(total, dtype=np.int64), sizes):
        if current and sum(current) + len(window) > block_rows:
            blocks.append(Block(len(blocks), start, start + sum(current), tuple(current)))
            start, current = start + sum(current), []
        current.append(len(window))
    if current:
        blocks.append(Block(len(blocks), start, start + sum(current), tuple(current)))
    return blocks


def block_key(block: Block, scorer_key: str, fingerprints: np.ndarray) -> str:
    """What a shard must have been written for: this scorer, these rows, these windows."""
    digest = hashlib.sha256()
    digest.update(scorer_key.encode())
    digest.update(np.asarray(block.window_sizes, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(fingerprints[block.start : block.stop]).tobytes())
    return digest.hexdigest()
