"""Benchmark: what the live plots cost on the GUI thread while scores stream in.

Scores arrive in batches; the histogram counts each batch into fixed bins. The baseline,
measured in the same run, is what a plot without incremental counts would do: ``np.histogram``
over every score so far after each batch. Then the cost of one redraw frame (kept/dropped split,
the rule's cutoff, the length sample) is measured against the 40 ms frame budget that 25
redraws a second leave, and the threshold curve (computed on a worker) is timed too.

    python benchmarks/bench_plots.py [--rows 1000000] [--batch 1024]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.plots.histogram import StreamingHistogram
from core.plots.length_sample import length_view, sample_rows
from core.plots.threshold_curve import threshold_curve
from core.review.decisions import AUTO
from core.review.rule import Rule

FRAME_BUDGET_MS = 1000 / 25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1024)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows, batch = args.rows, args.batch
    scores = rng.normal(0.5, 1.5, rows).astype(np.float32)
    lengths = rng.integers(5, 2000, rows)
    starts = range(0, rows, batch)

    histogram = StreamingHistogram(rows)
    began = time.perf_counter()
    for start in starts:
        stop = min(start + batch, rows)
        histogram.add(np.arange(start, stop), scores[start:stop])
    incremental = time.perf_counter() - began

    # Baseline: re-histogram everything after each batch (a sample of batches, scaled up).
    picked = list(starts)[:: max(1, len(starts) // 60)]
    began = time.perf_counter()
    for start in picked:
        np.histogram(scores[: min(start + batch, rows)], bins=60)
    full = (time.perf_counter() - began) * len(starts) / len(picked)

    rule = Rule(mode="top_fraction", keep_fraction=0.3)
    final = rule.decide(scores.astype(float))
    sample = sample_rows(rows)
    frames = []
    for _ in range(20):
        began = time.perf_counter()
        histogram.split_codes(final, 3)
        rule.cutoff(scores)
        length_view(sample, scores, lengths)
        frames.append((time.perf_counter() - began) * 1000)
    frame = float(np.median(frames))

    began = time.perf_counter()
    threshold_curve(scores, lengths, np.full(rows, AUTO, np.int8), np.zeros(rows, bool))
    curve = time.perf_counter() - began

    print(f"{rows:,} rows in batches of {batch:,} ({len(starts):,} batches)")
    print(
        f"  histogram, incremental counts: {incremental:.3f} s in all, "
        f"{incremental / len(starts) * 1e6:.0f} µs per batch"
    )
    print(f"  baseline, np.histogram of all scores per batch: {full:.1f} s in all")
    print(f"  incremental is {full / incremental:.0f}x cheaper over the whole stream")
    print(
        f"  one redraw frame (split, cutoff, length sample): {frame:.1f} ms "
        f"= {frame / FRAME_BUDGET_MS:.0%} of the {FRAME_BUDGET_MS:.0f} ms frame budget"
    )
    print(f"  threshold curve (on a worker): {curve * 1000:.0f} ms")


if __name__ == "__main__":
    main()
