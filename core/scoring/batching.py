"""Grouping rows into batches by a token budget, so little compute is spent on padding.

Rows are sorted by length (longest first, so a batch too big for the GPU shows up at once) and
packed greedily while ``rows × longest row`` stays within the budget. On GSM8K-like lengths this
keeps padding efficiency (real tokens / computed tokens) well above 0.9.
"""

from __future__ import annotations

import numpy as np

#: Padded tokens per batch on the CPU and a GPU; the GPU figure suits a large model in 16 bits.
CPU_TOKEN_BUDGET = 8_192
GPU_TOKEN_BUDGET = 65_536
MAX_BATCH_ROWS = 512


def plan_batches(lengths: np.ndarray, token_budget: int,
                 max_rows: int = MAX_BATCH_ROWS) -> list[np.ndarray]:
    """Positions into ``lengths`` grouped into batches, longest rows first."""
    order = np.argsort(-lengths, kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    n = len(order)
    while start < n:
        longest = max(int(lengths[order[start]]), 1)
        rows = max(1, min(max_rows, token_budget // longest, n - start))
        batches.append(order[start:start + rows])
        start += rows
    return batches


def padded_tokens(lengths: np.ndarray) -> int:
    """Tokens computed for one batch of these lengths (every row padded to the longest)."""
    return int(lengths.max()) * len(lengths) if len(lengths) else 0


def split_to_budget(batch: np.ndarray, lengths: np.ndarray, token_budget: int) -> list[np.ndarray]:
    """Split one planned batch (longest first) into pieces that fit a smaller budget."""
    pieces = []
    start = 0
    while start < len(batch):
        longest = max(int(lengths[batch[start]]), 1)
        rows = max(1, min(token_budget // longest, len(batch) - start))
        pieces.append(batch[start:start + rows])
        start += rows
    return pieces
