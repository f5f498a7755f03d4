"""Where the memory of a big session goes: the dataset's columns, the session, the table.

    .venv/bin/python benchmarks/bench_memory.py [--rows 1000000]

Loads the mixed real-source file (``mixed_synth.py``), opens a review session on it (in a
temporary project) and prints the bytes each part holds, counted object by object
(``sys.getsizeof`` of every string and bytes object, ``nbytes`` of every array), next to the
file's size and the process's resident memory.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mixed_synth import cached_mixed_jsonl


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def objects(items) -> int:
    """Bytes of a list of str/bytes: the list's slots plus every object."""
    return sys.getsizeof(items) + sum(map(sys.getsizeof, items))


def arrays(owner, names) -> int:
    return sum(
        getattr(owner, n).nbytes for n in names if isinstance(getattr(owner, n, None), np.ndarray)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path = cached_mixed_jsonl(args.rows)
    size = path.stat().st_size
    base = rss()
    from core.loading import load
    from core.project import ProjectStore
    from core.review import ReviewSession

    dataset = load(path)
    loaded = rss()
    with tempfile.TemporaryDirectory() as tmp:
        session = ReviewSession(dataset, ProjectStore(Path(tmp) / "p.thresher"))
        opened = rss()
        wide = sum(1 for t in dataset.responses if not t.isascii())
        parts = {
            "originals (file chunks + offsets)": dataset.originals.nbytes,
            "prompts (str)": objects(dataset.prompts),
            "responses (str)": objects(dataset.responses),
            "dataset arrays (locations, fingerprints, lengths, tokens…)": arrays(
                dataset,
                (
                    "locations",
                    "fingerprints",
                    "turns",
                    "row_schemas",
                    "prompt_chars",
                    "response_chars",
                    "prompt_tokens",
                    "response_tokens",
                ),
            ),
            "session arrays (scores, flags, decisions…)": arrays(
                session,
                (
                    "scores",
                    "flag_mask",
                    "truncated",
                    "unscorable",
                    "duplicate",
                    "overlap",
                    "manual",
                    "rule_decision",
                    "final",
                    "preferred",
                ),
            ),
            "session decision keys": session.keys._raw.__sizeof__()
            + session.keys._occurrences.nbytes,
        }
        print(
            f"file {path.name}: {len(dataset):,} records, {size / 2**20:,.0f} MiB; "
            f"{wide / len(dataset):.0%} of responses hold non-ASCII text"
        )
        for name, n in parts.items():
            print(f"  {name:58} {n / 2**20:8,.0f} MiB  {n / size:5.2f}x file")
        total = sum(parts.values())
        print(f"  {'total counted':58} {total / 2**20:8,.0f} MiB  {total / size:5.2f}x file")
        print(
            f"resident: interpreter and libraries {base / 2**20:,.0f} MiB, after load "
            f"{loaded / 2**20:,.0f} MiB, after opening the session {opened / 2**20:,.0f} MiB"
        )
        session.store.close()


if __name__ == "__main__":
    main()
