"""Benchmark: planning duplicate clusters, anchored (the rule) against connected components.

Connected components (the old rule, the baseline) are one scipy call; the anchored walk
(:func:`core.dedup.anchor.anchor`) must stay close to that on big graphs, because it re-runs
whenever the kept copy can move (scores arriving, K, a threshold, the budget). Both run in the
same process on the same edges; the ratio is printed, with what each rule drops and how many of
those drops have no match at the threshold with the copy kept in their place.

Graphs: 100k rows and about 1M edges, built like template-heavy data (each row similar to rows
near it, so similarity chains run through the file) plus exact copy groups; with random scores
(the kept copy is the best-scored) and without (the earliest row). A last case uses the real
near-duplicate edges of the bench_dedup file (recombined GSM8K sentences).

    python benchmarks/bench_anchor.py [--rows 100000] [--edges 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from core.dedup.anchor import anchor
from core.dedup.clusters import cluster_rows
from core.dedup.edges import EXACT, NEAR, Edges, copy_edges
from core.dedup.keep import anchored_clusters, plan_keep

THRESHOLD = 0.8


def synthetic(rows: int, edges: int, seed: int = 0) -> list[Edges]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, rows, edges)
    b = np.clip(a + rng.integers(1, 200, edges), 0, rows - 1)
    near = Edges.from_lists(NEAR, a, b, rng.uniform(0.65, 1.0, edges).astype(np.float32))
    exact = copy_edges(EXACT, rng.integers(0, int(rows * 0.9), rows))
    return [near, exact]


def components_plan(rows: int, edges: list[Edges], scores: np.ndarray | None) -> np.ndarray:
    """The old rule: one copy per connected component (best score, then earliest) is kept."""
    clusters = cluster_rows(rows, edges)
    score = np.zeros(rows) if scores is None else scores
    order = np.lexsort((np.arange(rows), -score, clusters.cluster))
    lead = np.concatenate(([True], clusters.cluster[order][1:] != clusters.cluster[order][:-1]))
    kept = np.empty(rows, dtype=np.int64)
    kept[order] = order[np.flatnonzero(lead)][np.cumsum(lead) - 1]
    return kept


def unmatched_drops(kept: np.ndarray, edges: list[Edges]) -> int:
    """Dropped rows that do not match the row kept in their place at the threshold.

    Detectors report identical texts as similarity-1 edges to one representative and other
    matches from the representative only, so a match is judged between identity groups.
    """
    group = cluster_rows(len(kept), [e.at_least(1.0) for e in edges]).cluster
    pairs = set()
    for e in edges:
        pairs.update(zip(group[e.first].tolist(), group[e.second].tolist(), strict=True))
    rows = np.arange(len(kept))
    missing = 0
    for row in rows[kept != rows].tolist():
        a, b = int(group[row]), int(group[kept[row]])
        if a != b and (a, b) not in pairs and (b, a) not in pairs:
            missing += 1
    return missing


def timed(function, repeat: int):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def compare(name: str, rows: int, edges: list[Edges], scores, repeat: int) -> None:
    base_s, base_kept = timed(lambda: components_plan(rows, edges, scores), repeat)
    new_s, anchoring = timed(lambda: anchor(rows, edges, scores), repeat)
    plan = plan_keep(anchoring, scores)
    clusters = anchored_clusters(anchoring)
    base_dropped = int(np.count_nonzero(base_kept != np.arange(rows)))
    print(
        f"{name:44}{base_s:8.2f}{new_s:8.2f}{new_s / base_s:8.1f}x"
        f"{base_dropped:>10,}{unmatched_drops(base_kept, edges):>10,}"
        f"{int(plan.dropped.sum()):>10,}{unmatched_drops(anchoring.kept, edges):>10,}"
        f"{int(clusters.size.max()):>9,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--real",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also plan the bench_dedup file's real near-duplicate edges",
    )
    args = parser.parse_args()

    graph = synthetic(args.rows, args.edges)
    thresholded = [e.at_least(THRESHOLD) for e in graph]
    loose = [e.at_least(0.65) for e in graph]
    scores = np.random.default_rng(1).random(args.rows)
    print(
        f"planning {args.rows:,} rows; best of {args.repeat}; 'no match' = dropped rows "
        f"with no edge at the threshold to their kept copy"
    )
    print(
        f"{'case':44}{'comp s':>8}{'anchor':>8}{'ratio':>9}{'comp drop':>10}"
        f"{'no match':>10}{'anch drop':>10}{'no match':>10}{'largest':>9}"
    )
    for label, edges in (
        (f"synthetic, edges >= {THRESHOLD}", thresholded),
        ("synthetic, edges >= 0.65 (calibration floor)", loose),
    ):
        count = sum(len(e) for e in edges)
        compare(f"{label} ({count / 1e6:.2f}M), scored", args.rows, edges, scores, args.repeat)
        compare(f"{label}, unscored", args.rows, edges, None, args.repeat)

    if args.real:
        from synth import cached_dedup_jsonl

        from core.dedup.near import near_edges
        from core.dedup.normalize import field_texts
        from core.generators import run_to_end
        from core.loading import load

        dataset = load(cached_dedup_jsonl(args.rows))
        near = run_to_end(near_edges(field_texts(dataset, "pair"), 0.65))
        for threshold in (THRESHOLD, 0.65):
            edges = [near.at_least(threshold)]
            compare(
                f"bench_dedup file, near >= {threshold} ({len(edges[0]):,} edges)",
                len(dataset),
                edges,
                scores[: len(dataset)],
                args.repeat,
            )


if __name__ == "__main__":
    main()
