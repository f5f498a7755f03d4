"""Distinct values of large key arrays: ``np.unique`` against ``core.unique.unique_sorted``.

    .venv/bin/python benchmarks/bench_unique.py [N ...]

For each size, random int64 keys (as the near-duplicate step's candidate pair keys are) and
keys with many repeats: the wall time of each, the ratio, and the worst lateness of a 5 ms
ticker thread running meanwhile, which is what the window's heartbeat feels when a worker makes
the call (``np.unique``'s hash table holds the GIL; sorting releases it).
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.unique import unique_sorted


def timed(call) -> tuple[float, float]:
    """(seconds the call took, worst lateness in ms of a 5 ms ticker thread meanwhile)."""
    worst, stop = [0.0], threading.Event()

    def tick() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.005)
            now = time.perf_counter()
            worst[0] = max(worst[0], now - last - 0.005)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.05)
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    stop.set()
    ticker.join()
    return seconds, worst[0] * 1000


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]
    rng = np.random.default_rng(0)
    print("| keys | np.unique (ticker late) | unique_sorted (ticker late) | ratio |")
    print("|---|---:|---:|---:|")
    for n in sizes:
        for kind, keys in (
            ("random", rng.integers(0, 1 << 40, n)),
            ("repeats", rng.integers(0, max(1, n // 10), n)),
        ):
            baseline, base_late = timed(lambda k=keys: np.unique(k))
            ours, our_late = timed(lambda k=keys: unique_sorted(k))
            assert np.array_equal(np.unique(keys), unique_sorted(keys))  # the same answer
            print(
                f"| {n:,} {kind} | {baseline:.2f} s ({base_late:,.0f} ms) | "
                f"{ours:.2f} s ({our_late:,.0f} ms) | {baseline / ours:.0f}x |"
            )


if __name__ == "__main__":
    main()
