"""Benchmark: the Agreement dock's numbers and a rule over several scorers at 100k rows.

Measured on the worker that computes them: Spearman's ρ of every pair of k scorers (against
``scipy.stats.spearmanr`` pair by pair over the rows both scored, the baseline, in the same run),
the two-scorer density image, the disagreement queue, and one decision of a rule over several
scorers (all of three conditions, against a one-score best-fraction rule, and a rank average),
which runs on the GUI thread after every rule change.

    python benchmarks/bench_agreement.py [--rows 100000] [--scorers 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.plots.scatter_density import scatter_density
from core.review.agreement import agreement, disagreement_order
from core.review.conditions import Condition
from core.review.rule import Rule


def _timed(function, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--scorers", type=int, default=4)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    base = rng.normal(size=args.rows)
    columns = [base + rng.normal(scale=1 + i, size=args.rows) for i in range(args.scorers)]
    columns[-1] = np.round(np.clip(columns[-1], -2, 2))  # a judge: five levels
    for column in columns:
        column[rng.random(args.rows) < 0.05] = np.nan  # unscored rows
    names = [f"s{i}" for i in range(args.scorers)]

    def baseline():
        for i in range(args.scorers):
            for j in range(i + 1, args.scorers):
                both = ~(np.isnan(columns[i]) | np.isnan(columns[j]))
                spearmanr(columns[i][both], columns[j][both])

    ours = _timed(lambda: agreement(names, columns))
    theirs = _timed(baseline)
    colours = np.array([[150, 150, 150], [46, 125, 50], [198, 40, 40]], dtype=np.uint8)
    codes = rng.integers(0, 3, args.rows).astype(np.int8)
    image = _timed(lambda: scatter_density(columns[0], columns[-1], codes, colours))
    queue = _timed(lambda: disagreement_order(columns[0], columns[-1]))
    named = {n: c.astype(np.float32) for n, c in zip(names, columns, strict=True)}
    several = Rule(
        scorer="s0",
        min_score=0.0,
        conditions=(
            Condition("s1", "top_fraction", keep_fraction=0.5),
            Condition("s2", "threshold", min_score=-0.5),
        ),
    )
    ranked = Rule(
        mode="top_fraction", keep_fraction=0.3, rank_weights=(("s0", 2.0), ("s1", 1.0), ("s3", 1.0))
    )
    decide_all = _timed(lambda: several.decide(named["s0"], columns=named))
    decide_rank = _timed(lambda: ranked.decide(named["s0"], columns=named))
    single = _timed(lambda: Rule(mode="top_fraction").decide(named["s1"]))
    pairs = args.scorers * (args.scorers - 1) // 2
    print(f"{args.rows:,} rows, {args.scorers} scorers ({pairs} pairs)")
    print(
        f"  ρ matrix          {ours * 1000:8.1f} ms   scipy pair by pair {theirs * 1000:8.1f} ms"
        f"   ratio {theirs / ours:.2f}x"
    )
    print(f"  density image     {image * 1000:8.1f} ms")
    print(f"  disagreement queue{queue * 1000:8.1f} ms")
    print(
        f"  rule, 3 conditions {decide_all * 1000:7.1f} ms   one best-fraction rule "
        f"{single * 1000:.1f} ms   ratio {decide_all / single:.1f}x"
    )
    print(f"  rule, rank average {decide_rank * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
