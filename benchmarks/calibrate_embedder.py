"""Derive the fast embedder's default threshold from MiniLM's, on real prompts.

The fast (static) embedder has its own similarity scale: at MiniLM's 0.90 it would flag far
more pairs. Its default is the highest cosine at which it still finds at least
``--recall`` (0.9) of the pairs the bundled MiniLM finds at 0.90 on GSM8K (long prompts, as in
the benchmark); the same is printed for every dataset, measured by brute force
(every pair compared) on the prompts of the real datasets in ../shared/data: GSM8K (7,473
questions, many on shared templates), the first human turn of HH-RLHF harmless-base test
(2,312), and the self-instruct seeds, Koala and Vicuna evaluation prompts. Texts are
normalised and de-duplicated first, as a run does (identical prompts are exact duplicates,
not a test of the embedder).

MiniLM's vectors are cached under bench-data/ (about 5 minutes to compute on 2 cores).

    python benchmarks/calibrate_embedder.py [--reference 0.9] [--recall 0.9]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.dedup.embedder import embedder_files, open_embedder
from core.dedup.embedder_choice import BUNDLED, FAST, default_threshold
from core.dedup.normalize import normalise
from core.generators import run_to_end

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CACHE = ROOT / "bench-data"
GRID = np.round(np.arange(0.80, 0.995, 0.01), 2)


def first_human_turn(dialogue: str) -> str:
    text = dialogue.split("\n\nHuman: ", 1)[-1]
    return text.split("\n\nAssistant:", 1)[0].strip()


def real_prompts() -> dict[str, list[str]]:
    """Prompts per dataset, normalised and de-duplicated."""
    gsm = [r["instruction"] for r in orjson.loads((SHARED / "gsm_8k_train.json").read_bytes())]
    with gzip.open(SHARED / "hh_rlhf_harmless_base_test.jsonl.gz") as f:
        hh = [first_human_turn(orjson.loads(line)["chosen"]) for line in f if line.strip()]

    def jsonl(name, key):
        return [
            orjson.loads(line)[key]
            for line in (SHARED / name).read_bytes().splitlines()
            if line.strip()
        ]

    sets = {
        "gsm8k": gsm,
        "hh-rlhf": hh,
        "seed_tasks": jsonl("seed_tasks.jsonl", "instruction"),
        "koala": jsonl("koala_test_set.jsonl", "prompt"),
        "vicuna": jsonl("vicuna_test_set.jsonl", "text"),
    }
    return {
        name: list(dict.fromkeys(normalise(t) for t in texts if t.strip()))
        for name, texts in sets.items()
    }


def embed(name: str, texts: list[str]) -> np.ndarray:
    return run_to_end(run_to_end(open_embedder(name, embedder_files(name), "cpu")).embed(texts))


def minilm_vectors(name: str, texts: list[str]) -> np.ndarray:
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"minilm_{name}_{digest}.npy"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        start = time.perf_counter()
        np.save(path, embed(BUNDLED, texts))
        print(
            f"  MiniLM on {len(texts):,} {name} prompts: {time.perf_counter() - start:.0f} s",
            file=sys.stderr,
        )
    return np.load(path)


def upper_pairs(vectors: np.ndarray) -> np.ndarray:
    similarity = vectors @ vectors.T
    return similarity[np.triu_indices(len(vectors), 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=float, default=default_threshold(BUNDLED))
    parser.add_argument("--recall", type=float, default=0.9)
    args = parser.parse_args()

    names, truth_all, fast_all = [], [], []
    print(
        f"pairs MiniLM finds at {args.reference:.2f}, and what the fast embedder finds "
        "(recall / pairs it flags) at each threshold"
    )
    header = "".join(f"{t:>13.2f}" for t in GRID[9:17])
    print(f"{'dataset':12}{'prompts':>8}{'MiniLM':>8}{header}")
    for name, texts in real_prompts().items():
        truth = upper_pairs(minilm_vectors(name, texts)) >= args.reference
        fast = upper_pairs(embed(FAST, texts))
        names.append(name)
        truth_all.append(truth)
        fast_all.append(fast)
        cells = "".join(
            f"{_recall(truth, fast >= t):>7.2f}/{np.count_nonzero(fast >= t):<5d}"
            for t in GRID[9:17]
        )
        print(f"{name:12}{len(texts):>8,}{np.count_nonzero(truth):>8}{cells}")
    print(
        f"\nhighest fast threshold that keeps recall >= {args.recall} of MiniLM's pairs, "
        "per dataset with at least 20 of them:"
    )
    for name, truth, fast in zip(names, truth_all, fast_all, strict=True):
        if np.count_nonzero(truth) < 20:
            continue
        passing = [t for t in GRID if _recall(truth, fast >= t) >= args.recall]
        chosen = max(passing) if passing else None
        flagged = np.count_nonzero(fast >= chosen) if chosen is not None else 0
        print(
            f"  {name:10} {chosen} (flags {flagged} pairs there; MiniLM {np.count_nonzero(truth)})"
        )
    print(
        f"the app's default is {default_threshold(FAST):.2f}: GSM8K's, the long prompts the "
        "benchmark is built from; short chat prompts need MiniLM (see README)"
    )


def _recall(truth: np.ndarray, found: np.ndarray) -> float:
    return np.count_nonzero(truth & found) / max(np.count_nonzero(truth), 1)


if __name__ == "__main__":
    main()
