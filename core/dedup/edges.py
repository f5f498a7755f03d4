"""Edges: pairs of rows that a detector found similar, with how similar they are.

All detectors report edges at or above a *floor* below the chosen threshold, so the app can
show what other thresholds would do (calibration) without running the detector again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class DedupKind(IntEnum):
    """Kinds of match, strongest first; the value is the code stored per row and per edge."""

    EXACT = 0
    NEAR = 1
    SEMANTIC = 2


#: Each kind's name, indexed by its code.
KINDS = tuple(kind.name.lower() for kind in DedupKind)
EXACT, NEAR, SEMANTIC = DedupKind.EXACT, DedupKind.NEAR, DedupKind.SEMANTIC


@dataclass(frozen=True)
class Edges:
    """Similar row pairs of one kind: ``first[k] < second[k]`` with similarity ``similarity[k]``."""

    kind: int
    first: np.ndarray  # int64
    second: np.ndarray  # int64
    similarity: np.ndarray  # float32

    @classmethod
    def empty(cls, kind: int) -> Edges:
        """No edges."""
        return cls(kind, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))

    @classmethod
    def from_lists(cls, kind: int, first, second, similarity) -> Edges:
        """Edges from parallel lists or arrays, each pair ordered and listed once (highest wins)."""
        a = np.asarray(first, dtype=np.int64)
        b = np.asarray(second, dtype=np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        sim = np.asarray(similarity, dtype=np.float32)
        order = np.lexsort((-sim, hi, lo))
        lo, hi, sim = lo[order], hi[order], sim[order]
        first_of_pair = np.ones(len(lo), dtype=bool)
        first_of_pair[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        return cls(kind, lo[first_of_pair], hi[first_of_pair], sim[first_of_pair])

    def __len__(self) -> int:
        return len(self.first)

    def at_least(self, threshold: float) -> Edges:
        """Only the edges with similarity at or above ``threshold``."""
        keep = self.similarity >= np.float32(threshold) - np.float32(1e-6)
        return Edges(self.kind, self.first[keep], self.second[keep], self.similarity[keep])

    def mapped(self, rows: np.ndarray) -> Edges:
        """Edges between indices of ``rows`` re-expressed as edges between the rows themselves."""
        return Edges(self.kind, rows[self.first], rows[self.second], self.similarity)


def first_rows(codes: np.ndarray, groups: int) -> np.ndarray:
    """For each group code ``0 … groups-1``, the first row that has it."""
    first = np.full(groups, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def copy_edges(kind: int, groups: np.ndarray) -> Edges:
    """Similarity-1 edges joining every row to the first row with the same group code."""
    if len(groups) == 0:
        return Edges.empty(kind)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    new_group = np.concatenate(([True], sorted_groups[1:] != sorted_groups[:-1]))
    leader = order[np.flatnonzero(new_group)][np.cumsum(new_group) - 1]
    copies = leader != order
    first, second = leader[copies], order[copies]
    return Edges(
        kind,
        np.minimum(first, second).astype(np.int64),
        np.maximum(first, second).astype(np.int64),
        np.ones(int(copies.sum()), dtype=np.float32),
    )


def concatenate(kind: int, parts: list[Edges]) -> Edges:
    """Several edge lists of one kind as one."""
    if not parts:
        return Edges.empty(kind)
    return Edges(
        kind,
        np.concatenate([p.first for p in parts]),
        np.concatenate([p.second for p in parts]),
        np.concatenate([p.similarity for p in parts]),
    )
