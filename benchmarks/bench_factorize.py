"""Codes of a million texts on a worker, and how late the GUI thread gets the GIL meanwhile.

    .venv/bin/python benchmarks/bench_factorize.py [ROWS]

The texts are the prompts and responses of the mixed benchmark file (``mixed_synth.py``), read
as the app reads them. Each call runs beside a ticker thread that sleeps 2 ms and notes how late
it wakes with the GIL, at the app's GIL switch interval: that lateness is what the window's
heartbeat feels when a worker makes the call. Rows, each measured in this run:

- ``pd.factorize``: the baseline, one call that hashes every text holding the GIL.
- ``factorize_texts``: the app's (``core/unique.py``), and ``factorize_rows`` of the same texts
  in a NumPy object array, as the learned scorer calls it.
- hashing in pieces written into one array, against the same pieces joined once at the end:
  the first lets go of the GIL in every piece's copy and takes it straight back, which keeps a
  waiting thread from ever asking for it (see ``core/unique.py``); the second does not.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mixed_synth import cached_mixed_jsonl

from core.loading import load
from core.text_arrays import texts_array
from core.unique import HASH_PIECE, factorize_rows, factorize_texts

#: The app's GIL switch interval (``gui/app.py``; not imported: that would start Qt).
SWITCH_INTERVAL_S = 0.00025
TICK_S = 0.002


def timed(call) -> tuple[float, float, float]:
    """(seconds, p99 and worst lateness in ms of a 2 ms ticker thread meanwhile)."""
    late: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            time.sleep(TICK_S)
            late.append(time.perf_counter() - start - TICK_S)

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.05)
    late.clear()
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    stop.set()
    ticker.join()
    ms = np.array(late or [0.0]) * 1000
    return seconds, float(np.percentile(ms, 99)), float(ms.max())


def hash_into_one_array(texts: list[str]) -> np.ndarray:
    """Hash pieces copied into one preallocated array (each copy releases the GIL)."""
    hashes = np.empty(len(texts), dtype=np.int64)
    for start in range(0, len(texts), HASH_PIECE):
        piece = texts[start : start + HASH_PIECE]
        hashes[start : start + len(piece)] = np.fromiter(
            map(hash, piece), dtype=np.int64, count=len(piece)
        )
    return hashes


def hash_pieces_joined(texts: list[str]) -> np.ndarray:
    """The same pieces kept apart and joined by one call at the end."""
    pieces = []
    for start in range(0, len(texts), HASH_PIECE):
        piece = texts[start : start + HASH_PIECE]
        pieces.append(np.fromiter(map(hash, piece), dtype=np.int64, count=len(piece)))
    return np.concatenate(pieces)


def fresh(texts: list[str]) -> list[str]:
    """New string objects with the same text (a string caches its hash after the first call)."""
    return [
        text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for text in texts
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    dataset = load(cached_mixed_jsonl(args.rows))
    texts = [*dataset.prompts, *dataset.responses]
    print(
        f"{len(texts):,} texts ({args.rows:,} rows of the mixed file); GIL switch interval "
        f"{SWITCH_INTERVAL_S * 1000:g} ms; a {TICK_S * 1000:g} ms ticker thread's lateness"
    )
    print("| call (fresh strings each) | time | ticker p99 / max |")
    print("|---|---:|---:|")
    results = {}
    calls = (
        ("pd.factorize (baseline)", lambda t: pd.factorize(np.asarray(t, dtype=object))[0]),
        ("factorize_texts", lambda t: factorize_texts(t)[0]),
        ("factorize_rows of an object array", lambda t: factorize_rows(texts_array(t))[0]),
        ("hashing: pieces into one array", hash_into_one_array),
        ("hashing: pieces joined at the end", hash_pieces_joined),
    )
    for name, call in calls:
        batch = fresh(texts)
        seconds, p99, worst = timed(lambda c=call, b=batch, k=name: results.setdefault(k, c(b)))
        print(f"| {name} | {seconds:.2f} s | {p99:.1f} / {worst:.1f} ms |")
    same = np.array_equal(results["pd.factorize (baseline)"], results["factorize_texts"])
    print(f"factorize_texts gives pandas' codes: {same}")


if __name__ == "__main__":
    main()
