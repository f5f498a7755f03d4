"""Anchored clusters: each cluster is a kept copy and the rows that truly match it.

Similarity is not transitive: A≈B and B≈C does not make A≈C. Connected components of the
match graph chain far-apart rows together (on a template-heavy file one component swallowed
half the rows, dropped at similarities far below the threshold). So clusters are built around
the copy they keep instead: rows are walked in preference order (a curator's chosen copy, then
the best score, then the earliest row); a row that matches a row already kept (at or above the
threshold of that kind) becomes the duplicate of its best-matching kept row, otherwise it is
kept itself. Two guarantees follow, for exact, near and semantic alike:

* every dropped row's similarity to its own kept copy is at or above the threshold, and
* no two kept copies match each other (unless both are a curator's choice, which always wins).

Detectors report rows with identical compared text as *copy edges* to one representative row
(a star, not a clique), and their other edges from the representative only. The walk works on
those identity groups, so every member of a group matches whatever its group matches, whichever
member ends up kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from core.dedup.clusters import NO_MATCH
from core.dedup.edges import KINDS, Edges


@dataclass(frozen=True)
class Anchoring:
    """Per row: the kept row it is a duplicate of (itself when kept or alone), how, how much.

    ``match`` is the kind of the match to the kept copy (for a kept row with duplicates: the
    strongest kind among them; :data:`NO_MATCH` for a row alone); ``similarity`` the matched
    edge's similarity (NaN for kept and lone rows).
    """

    kept: np.ndarray  # int64
    match: np.ndarray  # int8
    similarity: np.ndarray  # float32
    order: np.ndarray  # int64: the preference order the walk used

    def __len__(self) -> int:
        return len(self.kept)


@dataclass(frozen=True)
class _KindGraph:
    """One kind's match graph on identity groups: row -> group, group adjacency (CSR)."""

    group: np.ndarray  # int64 per row
    group_size: np.ndarray  # int64 per group
    indptr: np.ndarray  # int64, groups + 1
    neighbour: np.ndarray  # int64 group ids
    similarity: np.ndarray  # float32


def preference_order(
    rows: int, scores: np.ndarray | None = None, preferred: np.ndarray | None = None
) -> np.ndarray:
    """Rows by preference: a curator's chosen copy first, then the best score, then the earliest.

    A missing score (NaN) counts as the worst.
    """
    index = np.arange(rows, dtype=np.int64)
    score = (
        np.zeros(rows)
        if scores is None
        else np.where(
            np.isnan(np.asarray(scores, dtype=np.float64)),
            -np.inf,
            np.asarray(scores, dtype=np.float64),
        )
    )
    chosen = np.zeros(rows, dtype=bool) if preferred is None else np.asarray(preferred, bool)
    return np.lexsort((index, -score, ~chosen)).astype(np.int64)


def kind_graph(rows: int, edges: Edges) -> _KindGraph:
    """Collapse identical rows (similarity-1 edges) into groups; the other edges join groups."""
    identical = edges.similarity >= np.float32(1.0)
    graph = coo_matrix(
        (
            np.ones(int(identical.sum()), dtype=np.int8),
            (edges.first[identical], edges.second[identical]),
        ),
        shape=(rows, rows),
    )
    groups, group = connected_components(graph, directed=False)
    group = group.astype(np.int64)
    a, b = group[edges.first[~identical]], group[edges.second[~identical]]
    sim = edges.similarity[~identical]
    apart = a != b
    a, b, sim = a[apart], b[apart], sim[apart]
    # Both directions, sorted by source group; a repeated group pair keeps its highest value.
    key = np.concatenate([a * groups + b, b * groups + a])
    both = np.concatenate([sim, sim])
    order = np.argsort(key)
    key, both = key[order], both[order]
    starts = (
        np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        if len(key)
        else np.zeros(0, dtype=np.int64)
    )
    if len(starts) < len(key):
        both = np.maximum.reduceat(both, starts)
    key = key[starts]
    src, dst = key // max(groups, 1), key % max(groups, 1)
    indptr = np.zeros(groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=groups), out=indptr[1:])
    return _KindGraph(
        group,
        np.bincount(group, minlength=groups).astype(np.int64),
        indptr,
        dst,
        both.astype(np.float32),
    )


#: About what walking one row costs (seconds): a vectorised round goes on only while it
#: settles rows faster than walking them would (long chains in preference order do not).
WALK_SECONDS_PER_ROW = 5e-6
UNDECIDED, KEEP, DROP = 0, 1, 2


def anchor(
    rows: int,
    edges: list[Edges],
    scores: np.ndarray | None = None,
    preferred: np.ndarray | None = None,
    strategy: str = "auto",
) -> Anchoring:
    """Walk the rows in preference order and anchor each on a kept row it matches, if any.

    ``edges`` are already thresholded (every edge counts as a match); several lists may share
    a kind. A row matching earlier kept rows of several kinds is the duplicate of the strongest
    kind's best match (exact before near before semantic; the highest similarity; then the
    earlier-preferred kept row).

    The walk is sequential by definition, but most rows' fate is settled in a few vectorised
    rounds: a row is dropped once a kept row matches it, and kept once no undecided row before
    it matches it. Once rounds settle rows slower than walking them would (long chains in
    preference order), the rest are walked one by one. ``strategy`` ("rounds": rounds to the
    end, "walk": no rounds; for tests and benchmarks) never changes the answer.
    """
    if strategy not in ("auto", "rounds", "walk"):
        raise ValueError(f"unknown strategy {strategy!r}")
    by_kind: dict[int, list[Edges]] = {}
    for e in edges:
        by_kind.setdefault(e.kind, []).append(e)
    graphs: list[tuple[int, _KindGraph]] = []
    for kind in sorted(by_kind):
        parts = by_kind[kind]
        merged = Edges(
            kind,
            np.concatenate([p.first for p in parts]),
            np.concatenate([p.second for p in parts]),
            np.concatenate([p.similarity for p in parts]),
        )
        graphs.append((kind, kind_graph(rows, merged)))

    order = preference_order(rows, scores, preferred)
    rank = np.empty(rows, dtype=np.int64)
    rank[order] = np.arange(rows, dtype=np.int64)
    chosen = np.zeros(rows, dtype=bool) if preferred is None else np.asarray(preferred, dtype=bool)
    # Only rows that could match anything need deciding; the rest (and chosen rows) are kept.
    active = np.zeros(rows, dtype=bool)
    for _, g in graphs:
        active |= (g.group_size[g.group] > 1) | (np.diff(g.indptr)[g.group] > 0)
    status = np.where(active & ~chosen, UNDECIDED, KEEP).astype(np.int8)
    if strategy != "walk":
        _rounds(status, rank, [g for _, g in graphs], strategy == "rounds")
    left = order[status[order] == UNDECIDED]
    if len(left):
        _walk(left.tolist(), status, [g for _, g in graphs])
    return _targets(status, rank, order, graphs)


def _kept_of(status: np.ndarray, rank: np.ndarray, g: _KindGraph) -> np.ndarray:
    """Per identity group: its best-ranked kept row, or -1."""
    best = np.full(len(g.group_size), np.iinfo(np.int64).max, dtype=np.int64)
    kept = np.flatnonzero(status == KEEP)
    np.minimum.at(best, g.group[kept], rank[kept])
    out = np.full(len(best), -1, dtype=np.int64)
    has = best != np.iinfo(np.int64).max
    order = np.empty(len(rank), dtype=np.int64)
    order[rank] = np.arange(len(rank))
    out[has] = order[best[has]]
    return out


def _segment_reduce(ufunc, values: np.ndarray, g: _KindGraph, empty) -> np.ndarray:
    """``ufunc`` over each group's neighbours' ``values`` (``empty`` for a group with none)."""
    degree = np.diff(g.indptr)
    out = np.full(len(degree), empty, dtype=values.dtype)
    some = degree > 0
    if len(values):
        out[some] = ufunc.reduceat(values, g.indptr[:-1][some])
    return out


def _rounds(
    status: np.ndarray, rank: np.ndarray, graphs: list[_KindGraph], to_the_end: bool
) -> None:
    """Settle rows in vectorised rounds while that is faster than walking them."""
    never = np.iinfo(np.int64).max
    recent: list[tuple[int, float]] = []  # (rows settled, seconds) of the last rounds
    while True:
        started = time.perf_counter()
        undecided = np.flatnonzero(status == UNDECIDED)
        if not len(undecided):
            return
        matched = np.zeros(len(undecided), dtype=bool)
        blocked = np.zeros(len(undecided), dtype=bool)
        kept = status == KEEP
        for g in graphs:
            group = g.group[undecided]
            has_kept = np.zeros(len(g.group_size), dtype=bool)
            has_kept[g.group[kept]] = True
            near_kept = _segment_reduce(np.logical_or, has_kept[g.neighbour], g, False)
            matched |= has_kept[group] | near_kept[group]
            first = np.full(len(g.group_size), never, dtype=np.int64)
            np.minimum.at(first, group, rank[undecided])
            near_first = _segment_reduce(np.minimum, first[g.neighbour], g, never)
            mine = rank[undecided]
            blocked |= (first[group] < mine) | (near_first[group] < mine)
        status[undecided[matched]] = DROP
        status[undecided[~matched & ~blocked]] = KEEP
        settled = int(np.count_nonzero(matched | ~blocked))
        recent = [*recent[-1:], (settled, time.perf_counter() - started)]
        # Rounds alternate (one keeps rows, the next drops their matches): judge two at once.
        walk_left = (len(undecided) - settled) * WALK_SECONDS_PER_ROW
        walk_settled = sum(n for n, _ in recent) * WALK_SECONDS_PER_ROW
        spent = sum(t for _, t in recent)
        if not to_the_end and (
            walk_left < spent / len(recent) or (len(recent) == 2 and walk_settled < spent)
        ):
            return


def _walk(walk: list[int], status: np.ndarray, graphs: list[_KindGraph]) -> None:
    """The rows the rounds left, one at a time in preference order."""
    state = []
    kept = status == KEEP
    for g in graphs:
        has_kept = np.zeros(len(g.group_size), dtype=bool)
        has_kept[g.group[kept]] = True
        state.append((g.group.tolist(), g.indptr.tolist(), g.neighbour, has_kept))
    for row in walk:
        matched = False
        for group, indptr, neighbour, has_kept in state:
            g = group[row]
            lo, hi = indptr[g], indptr[g + 1]
            if has_kept[g] or (lo < hi and has_kept[neighbour[lo:hi]].any()):
                matched = True
                break
        if matched:
            status[row] = DROP
            continue
        status[row] = KEEP
        for group, _, _, has_kept in state:
            has_kept[group[row]] = True


def _targets(
    status: np.ndarray, rank: np.ndarray, order: np.ndarray, graphs: list[tuple[int, _KindGraph]]
) -> Anchoring:
    """Each dropped row's kept copy: its best match among the kept rows preferred over it."""
    rows = len(status)
    kept = np.arange(rows, dtype=np.int64)
    match = np.full(rows, NO_MATCH, dtype=np.int8)
    similarity = np.full(rows, np.nan, dtype=np.float32)
    todo = np.flatnonzero(status == DROP)
    for kind, g in graphs:
        if not len(todo):
            break
        kept_of = _kept_of(status, rank, g)
        # The same identity group: similarity 1.
        same = kept_of[g.group[todo]]
        hit = (same >= 0) & (rank[np.maximum(same, 0)] < rank[todo])
        kept[todo[hit]], match[todo[hit]], similarity[todo[hit]] = same[hit], kind, 1.0
        todo = todo[~hit]
        # Neighbouring groups: every (row, neighbour group) pair, the best per row.
        start = g.indptr[g.group[todo]]
        count = g.indptr[g.group[todo] + 1] - start
        owner = np.repeat(np.arange(len(todo)), count)
        offset = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
        edge = np.repeat(start, count) + offset
        candidate = kept_of[g.neighbour[edge]]
        ok = (candidate >= 0) & (rank[np.maximum(candidate, 0)] < rank[todo[owner]])
        owner, edge, candidate = owner[ok], edge[ok], candidate[ok]
        best = np.lexsort((rank[candidate], -g.similarity[edge], owner))
        firsts = (
            best[np.concatenate(([True], owner[best][1:] != owner[best][:-1]))]
            if len(best)
            else best
        )
        chosen_rows = todo[owner[firsts]]
        kept[chosen_rows] = candidate[firsts]
        match[chosen_rows] = kind
        similarity[chosen_rows] = g.similarity[edge[firsts]]
        done = np.zeros(len(todo), dtype=bool)
        done[owner[firsts]] = True
        todo = todo[~done]
    if len(todo):
        raise AssertionError(f"{len(todo)} dropped rows matched no kept row")

    # A kept row with duplicates shows the strongest kind among them.
    dup = np.flatnonzero(kept != np.arange(rows))
    strongest = np.full(rows, len(KINDS), dtype=np.int8)
    np.minimum.at(strongest, kept[dup], match[dup])
    has = strongest < len(KINDS)
    match[has] = strongest[has]
    return Anchoring(kept, match, similarity, order)
