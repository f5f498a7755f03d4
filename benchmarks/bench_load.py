"""Loading benchmark: Thresher's validated load against pandas.read_json on the same real-text file.

Run by hand (``.venv/bin/python benchmarks/bench_load.py [N]``, default 1,000,000 records). The
file is mixed from every real source in ``../shared/data`` (see ``mixed_synth.py``: GSM8K, seed
tasks, HH-RLHF dialogues, Koala/Vicuna prompts; colons, quotes, escapes, non-ASCII) and written
once to /tmp. Each loader runs in a fresh child process so its peak memory is its own; the
worker processes of the parallel load are counted too (their largest peak, times the workers,
is added: an upper bound on what they held at once). Prints wall time, CPU time (parent and
workers: on a shared machine the wall time depends on who else runs, the CPU time much less),
the ratio to pandas, peak memory as a multiple of the file, and the numeric sort the GUI does.
With workers it also prints the parent's own CPU time: the part that does not spread over more
cores (reading, hashing, cutting runs, receiving the rows' text), which bounds the speed-up.

Goals (issue 24): at most 1/5 of pandas' time, peak memory at most 2.5x the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mixed_synth import cached_mixed_jsonl

CHILD = r"""
import json, os, resource, sys, time
import numpy as np
if __name__ == "__main__":
    path, which = sys.argv[1], sys.argv[2]
    start, cpu0 = time.perf_counter(), time.process_time()
    if which == "pandas":
        import pandas as pd
        rows = len(pd.read_json(path, lines=True))
        sort_s = None
    else:
        from core.loading import load
        dataset = load(path)
        rows = len(dataset)
    load_s = time.perf_counter() - start
    sort_s = None
    if which != "pandas":
        t = time.perf_counter()
        np.argsort(dataset.response_chars, kind="stable")
        sort_s = time.perf_counter() - t
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = int(os.environ.get("THRESHER_LOAD_WORKERS", "1"))
    print(json.dumps({"rows": rows, "load_s": load_s, "sort_s": sort_s,
                      "cpu_s": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
                      "parent_cpu_s": own.ru_utime + own.ru_stime,
                      "peak_bytes": own.ru_maxrss * 1024,
                      "workers_peak_bytes": kids.ru_maxrss * 1024 * workers}))
"""


def measure(path: Path, which: str, workers: int = 1) -> dict:
    """Run one loader in a fresh interpreter and return its measurements."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "THRESHER_LOAD_WORKERS": str(workers)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), which],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    """Build (or reuse) the mixed file and print the comparison."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = cached_mixed_jsonl(n)
    size = path.stat().st_size
    cores = len(os.sched_getaffinity(0))
    theirs = measure(path, "pandas")
    runs = {"1 process": measure(path, "thresher", 1)}
    if cores > 1:
        runs[f"{cores} workers"] = measure(path, "thresher", cores)
    print(
        f"file: {path}, {n:,} records, {size / 1e6:,.0f} MB, {cores} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"pandas.read_json(lines=True): {theirs['load_s']:6.2f} s wall {theirs['cpu_s']:6.2f} s "
        f"CPU  peak {theirs['peak_bytes'] / size:4.2f}x file"
    )
    for name, ours in runs.items():
        assert ours["rows"] == theirs["rows"] == n, (ours, theirs)
        total = ours["peak_bytes"] + ours["workers_peak_bytes"]
        print(
            f"Thresher, {name:11}:  {ours['load_s']:6.2f} s wall {ours['cpu_s']:6.2f} s CPU  "
            f"peak {ours['peak_bytes'] / size:4.2f}x file (with workers {total / size:4.2f}x)  "
            f"pandas/Thresher: {theirs['load_s'] / ours['load_s']:.2f}x wall, "
            f"{theirs['cpu_s'] / ours['cpu_s']:.2f}x CPU (goal >= 5x)"
        )
        if name != "1 process":
            parent = ours["parent_cpu_s"]
            print(
                f"  parent process {parent:.2f} s CPU (serial part), workers "
                f"{ours['cpu_s'] - parent:.2f} s CPU"
            )
        print(f"  sort 1 numeric column: {ours['sort_s'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
