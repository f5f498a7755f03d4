"""Benchmark: near-duplicate detection against datasketch's MinHashLSH, and semantic timing.

Both sides get the same 100k-record synthetic file (real GSM8K sentences recombined, with 5%
exact and 10% near copies injected), the same 5-word shingles of case-folded text and the same
Jaccard threshold (0.8); each is timed end to end, from the loaded texts to its pairs. The
truth is exhaustive: for a sample of rows, the true Jaccard against *every* row, from a sparse
shingle-incidence matrix product. Recall counts the true pairs a method puts together; Thresher
verifies every candidate, so its precision is 1 by construction (checked here too).

    python benchmarks/bench_dedup.py [--rows 100000] [--sample 1000] [--semantic-rows 2000]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import cached_dedup_jsonl

from core.dedup.clusters import cluster_rows
from core.dedup.edges import NEAR
from core.dedup.near import near_edges
from core.dedup.normalize import field_texts
from core.dedup.run import find_duplicates
from core.dedup.settings import DedupSettings
from core.generators import run_to_end
from core.loading import load

THRESHOLD = 0.8
NUM_PERM = 128
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str) -> set[str]:
    w = words(text)
    if 0 < len(w) < 5:
        return {" ".join(w)}
    return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}


def run_datasketch(texts: list[str]) -> tuple[float, list[set[int]]]:
    """MinHash + MinHashLSH as its documentation shows; returns time and candidates per row."""
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    hashes = []
    for row, text in enumerate(texts):
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode() for s in shingles(text)])
        lsh.insert(row, m)
        hashes.append(m)
    candidates = [set(lsh.query(m)) - {row} for row, m in enumerate(hashes)]
    return time.perf_counter() - start, candidates


def run_thresher(texts: list[str], floor: float) -> tuple[float, np.ndarray, object]:
    start = time.perf_counter()
    edges = run_to_end(near_edges(texts, floor))
    seconds = time.perf_counter() - start
    clusters = cluster_rows(len(texts), [edges.at_least(THRESHOLD)])
    return seconds, clusters.cluster, edges.at_least(THRESHOLD)


def true_pairs(texts: list[str], sample: np.ndarray) -> list[tuple[int, int]]:
    """Every (sampled row, any row) pair with Jaccard >= THRESHOLD, by exhaustive comparison."""
    vocabulary: dict[str, int] = {}
    indptr, indices = [0], []
    for text in texts:
        ids = {vocabulary.setdefault(s, len(vocabulary)) for s in shingles(text)}
        indices.extend(sorted(ids))
        indptr.append(len(indices))
    matrix = csr_matrix((np.ones(len(indices), np.float32), indices, indptr),
                        shape=(len(texts), len(vocabulary)))
    sizes = np.diff(matrix.indptr)
    common = (matrix[sample] @ matrix.T).tocoo()
    union = sizes[sample][common.row] + sizes[common.col] - common.data
    jaccard = np.where(union > 0, common.data / np.maximum(union, 1), 0)
    rows = sample[common.row]
    keep = (jaccard >= THRESHOLD - 1e-9) & (rows != common.col)
    return list(zip(rows[keep].tolist(), common.col[keep].tolist(), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--semantic-rows", type=int, default=2000,
                        help="rows for the semantic timing (0 skips it)")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    path = cached_dedup_jsonl(args.rows)
    dataset = load(path)
    texts = field_texts(dataset, "pair")
    print(f"{len(texts):,} records from {path.name}; near duplicates on prompt+response at "
          f"Jaccard {THRESHOLD}, 5-word shingles, {NUM_PERM} permutations")

    ours_s, ours_cluster, ours_edges = run_thresher(texts, THRESHOLD)
    app_s, _, _ = run_thresher(texts, DedupSettings().floor(NEAR))
    theirs_s, candidates = run_datasketch(texts)

    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(len(texts), size=min(args.sample, len(texts)), replace=False))
    truth = true_pairs(texts, sample)
    found_ours = sum(ours_cluster[a] == ours_cluster[b] for a, b in truth)
    found_theirs = sum(b in candidates[a] for a, b in truth)
    edge_set = {(int(a), int(b)) for a, b in zip(ours_edges.first, ours_edges.second,
                                                  strict=True)}
    direct_ours = sum((min(a, b), max(a, b)) in edge_set for a, b in truth)
    in_sample = set(sample.tolist())
    theirs_candidates = sum(len(candidates[a]) for a in in_sample)
    true_set = set(truth)
    theirs_true = sum((a, b) in true_set for a in in_sample for b in candidates[a])

    n = max(len(truth), 1)
    print(f"\ntrue pairs touching {len(sample)} sampled rows: {len(truth)}")
    print(f"{'':34}{'seconds':>9}{'recall':>9}{'precision':>11}")
    print(f"{'datasketch MinHashLSH (baseline)':34}{theirs_s:9.2f}{found_theirs / n:9.3f}"
          f"{theirs_true / max(theirs_candidates, 1):11.3f}")
    print(f"{'thresher (rensa + verified LSH)':34}{ours_s:9.2f}{found_ours / n:9.3f}"
          f"{1.0:11.3f}   (direct pairs {direct_ours / n:.3f})")
    print(f"{'thresher, app default floor':34}{app_s:9.2f}   (records pairs down to "
          f"{DedupSettings().floor(NEAR):.2f} for calibration)")
    print(f"\nspeed-up over datasketch: {theirs_s / ours_s:.1f}x "
          f"(app default: {theirs_s / app_s:.1f}x); goal: 10x at no lower recall")

    if args.semantic_rows:
        from core.dataset import Dataset  # noqa: F401  (documentation: same loader as the app)

        rows = min(args.semantic_rows, len(dataset))
        subset = load(path) if rows == len(dataset) else _head(path, rows)
        settings = DedupSettings(exact=False, near=None, semantic=0.9, device=args.device)
        start = time.perf_counter()
        result = run_to_end(find_duplicates(subset, settings))
        seconds = time.perf_counter() - start
        print(f"\nsemantic (bundled all-MiniLM-L6-v2, prompts, cosine 0.9) on {rows:,} rows: "
              f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s; "
              f"{len(result.edges[2].at_least(0.9)):,} pairs); "
              f"100k rows at this rate: {100_000 / rows * seconds / 60:.1f} min")


def _head(path: Path, rows: int):
    head = path.with_name(f"{path.stem}_head{rows}.jsonl")
    if not head.exists():
        with open(path, "rb") as source:
            head.write_bytes(b"".join(line for _, line in zip(range(rows), source, strict=False)))
    return load(head)


if __name__ == "__main__":
    main()
