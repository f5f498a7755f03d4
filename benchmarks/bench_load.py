"""Loading benchmark: Thresher's validated load against pandas.read_json on the same 1M-record file.

Run by hand (``make bench`` or ``.venv/bin/python benchmarks/bench_load.py [N]``). Each loader runs
in a fresh child process so peak memory (max RSS) is its own. Prints times, the ratio to pandas,
peak memory as a multiple of the file size, and the time to sort the loaded table by a numeric
column the way the GUI model does (numpy stable argsort on the length column).

Goals (issue 2): at most 1/3 of pandas' time (stretch 1/5), peak memory at most 3x the file size,
numeric sort under 0.25 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import cached_jsonl

CHILD = r"""
import json, resource, sys, time
import numpy as np
path, which = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if which == "pandas":
    import pandas as pd
    rows = len(pd.read_json(path, lines=True))
    sort_s = None
else:
    from core.loading import load
    dataset = load(path)
    rows = len(dataset)
load_s = time.perf_counter() - start
if which == "thresher":
    t = time.perf_counter()
    np.argsort(dataset.response_chars, kind="stable")
    sort_s = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rows": rows, "load_s": load_s, "sort_s": sort_s, "peak_bytes": peak}))
"""


def measure(path: Path, which: str) -> dict:
    """Run one loader in a fresh interpreter and return its measurements."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), which], cwd=root,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    """Build (or reuse) the synthetic file and print the comparison."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = cached_jsonl(n)
    size = path.stat().st_size
    ours = measure(path, "thresher")
    theirs = measure(path, "pandas")
    assert ours["rows"] == theirs["rows"] == n, (ours, theirs)
    print(f"file: {path.name}, {n:,} records, {size / 1e6:,.0f} MB")
    print(f"pandas.read_json(lines=True): {theirs['load_s']:6.2f} s  "
          f"peak {theirs['peak_bytes'] / size:4.1f}x file")
    print(f"Thresher load (validated):    {ours['load_s']:6.2f} s  "
          f"peak {ours['peak_bytes'] / size:4.1f}x file")
    print(f"ratio pandas / Thresher: {theirs['load_s'] / ours['load_s']:.2f}x faster "
          f"(goal >= 3x, stretch 5x)")
    print(f"sort 1 numeric column: {ours['sort_s'] * 1000:.0f} ms (goal < 250 ms)")


if __name__ == "__main__":
    main()
