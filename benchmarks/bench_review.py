"""Benchmark: what a curator's actions cost on the GUI thread, on a 100k-record dataset.

Each decision is a committed SQLite transaction (``synchronous=FULL``) made on the GUI thread
before the table shows it, so its latency is what the keyboard feels. The baseline, measured in
the same run on the same disk, is a bare ``BEGIN IMMEDIATE; INSERT; COMMIT`` on a fresh WAL
database: the ratio says what the session adds on top of SQLite's own durability cost.

    python benchmarks/bench_review.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import cached_jsonl

from core.export import ExportOptions, export_session
from core.loading import load
from core.project import ProjectStore
from core.review import DROP, KEEP, ReviewSession, RowFilter, Rule


def bare_commit_ms(folder: Path, repeats: int) -> float:
    """Median latency of one durable single-row commit in plain SQLite."""
    db = sqlite3.connect(folder / "bare.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (k BLOB PRIMARY KEY, v INTEGER)")
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR REPLACE INTO t VALUES (?, ?)", (i.to_bytes(16, "big"), 1))
        db.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    db.close()
    return statistics.median(times)


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    path = cached_jsonl(args.rows)
    dataset = load(path)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["THRESHER_DATA_DIR"] = str(folder / "data")
        baseline = bare_commit_ms(folder, 200)
        with ProjectStore(folder / "bench.thresher") as store:
            open_ms = timed(lambda: ReviewSession(dataset, store))
            session = ReviewSession(dataset, store)
            rng = np.random.default_rng(0)
            session.set_scores(slice(None), rng.random(len(dataset), dtype=np.float32))
            singles = [
                timed(lambda r=r: session.decide([int(r)], KEEP if r % 2 else DROP))
                for r in rng.integers(0, len(dataset), 200)
            ]
            rule_ms = timed(lambda: session.set_rule(Rule(mode="top_fraction", keep_fraction=0.3)))
            bulk_ms = timed(lambda: session.decide(np.arange(len(dataset)), DROP))
            undo_ms = timed(session.undo)
            search_ms = timed(lambda: RowFilter(search="apples").mask(session.filter_inputs()))
            export_ms = timed(
                lambda: export_session(
                    session, ExportOptions(folder / "out.jsonl", sidecar=folder / "s.parquet")
                )
            )
            reopen_ms = timed(lambda: ReviewSession(dataset, store))
    single = statistics.median(singles)
    print(f"rows: {len(dataset):,}")
    print(f"baseline: bare SQLite durable commit        {baseline:8.2f} ms")
    print(
        f"one decision (median of 200)                {single:8.2f} ms  "
        f"({single / baseline:.2f}x baseline)"
    )
    print(f"one decision (p99)                          {np.percentile(singles, 99):8.2f} ms")
    print(f"open a session (keys, restore)              {open_ms:8.1f} ms")
    print(f"change the rule (re-decide every row)       {rule_ms:8.1f} ms")
    print(f"bulk: drop all {len(dataset):,} (backup + 1 txn)    {bulk_ms:8.1f} ms")
    print(f"undo that bulk action                       {undo_ms:8.1f} ms")
    print(f"re-open with {len(dataset):,} decisions              {reopen_ms:8.1f} ms")
    print(f"text search over prompt and response        {search_ms:8.1f} ms (worker thread)")
    print(f"export with sidecar and manifest            {export_ms:8.1f} ms (worker thread)")


if __name__ == "__main__":
    main()
