"""Fast candidates, MiniLM verifies, on real prompts: recall, precision, MiniLM's share, time.

For each real dataset in ../shared/data (prompts normalised and de-duplicated, as a run does):
the truth is every pair the bundled MiniLM puts at 0.90 or more, all pairs compared (vectors
cached under bench-data/ by ``calibrate_embedder.py``). The verified run is the product's own
``core.dedup.verified.verified_edges``, timed end to end (fast embedder, candidate search,
MiniLM on the candidate texts, the decision). Printed per dataset: MiniLM's pairs; candidate
recall (MiniLM's pairs the fast stage proposed); final recall and precision of the verified
pairs against the truth; the share of texts (and of their tokens) MiniLM embedded; the time;
and, beside it, the fast embedder alone at its 0.93 (recall, and its pairs MiniLM puts below
0.90: false drops). A grid shows candidate recall and MiniLM's share for flat candidate
thresholds next to the length-dependent rule.

``hh-rlhf later turns`` (every human turn after the first) was not looked at while the rule
was chosen: it is the held-out check.

    python benchmarks/calibrate_verified.py
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibrate_embedder import SHARED, minilm_vectors, real_prompts

from core.dedup.edges import SEMANTIC, Edges
from core.dedup.embedder import embedder_files, open_embedder
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED, default_threshold
from core.dedup.normalize import normalise
from core.dedup.verified import (
    LOOSE_THRESHOLD,
    SHORT_TOKENS,
    TIGHT_THRESHOLD,
    candidate_pairs,
    verified_edges,
)
from core.generators import run_to_end

REFERENCE = default_threshold(BUNDLED)


def later_turns() -> list[str]:
    """Every human turn after the first in HH-RLHF harmless-base test (held out)."""
    turns = []
    with gzip.open(SHARED / "hh_rlhf_harmless_base_test.jsonl.gz") as handle:
        for line in handle:
            parts = orjson.loads(line)["chosen"].split("\n\nHuman: ")[2:]
            turns.extend(part.split("\n\nAssistant:", 1)[0].strip() for part in parts)
    return list(dict.fromkeys(normalise(t) for t in turns if t.strip()))


def main() -> None:
    datasets = real_prompts()
    datasets["hh-rlhf later turns"] = later_turns()
    fast_t = default_threshold(FAST)
    print(
        f"fast candidates verified by MiniLM at {REFERENCE:.2f}; candidates: fast cosine >= "
        f"{LOOSE_THRESHOLD:.2f} when the shorter text has < {SHORT_TOKENS} tokens, else >= "
        f"{TIGHT_THRESHOLD:.2f} (2-core CPU, load average {os.getloadavg()[0]:.1f})\n"
    )
    print(
        f"{'dataset':22}{'texts':>7}{'MiniLM':>7}{'cand.':>7}{'final':>7}{'prec.':>7}"
        f"{'texts':>7}{'tokens':>7}{'wall s':>8}{'CPU s':>7}   fast alone at {fast_t:.2f}"
    )
    print(
        f"{'':22}{'':>7}{'pairs':>7}{'recall':>7}{'recall':>7}{'':>7}{'MiniLM':>7}"
        f"{'MiniLM':>7}{'':>8}{'':>7}   recall / false drops"
    )
    grids = []
    for name, texts in datasets.items():
        truth_vectors = minilm_vectors(name.replace(" ", "_"), texts)
        upper = np.triu_indices(len(texts), 1)
        truth_sim = (truth_vectors @ truth_vectors.T)[upper]
        truth = set(
            zip(
                upper[0][truth_sim >= REFERENCE].tolist(),
                upper[1][truth_sim >= REFERENCE].tolist(),
                strict=True,
            )
        )
        report: dict = {}
        wall, cpu = time.perf_counter(), time.process_time()
        edges, fast_vectors = run_to_end(
            verified_edges(texts, REFERENCE, embedder_files(VERIFIED), "cpu", report)
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        found = set(zip(edges.first.tolist(), edges.second.tolist(), strict=True))
        tokens = _token_counts(texts)
        candidates = _candidates(fast_vectors, tokens)
        involved = np.unique(np.array([p for pair in candidates for p in pair], dtype=np.int64))
        fast_sim = (fast_vectors @ fast_vectors.T)[upper]
        fast_pairs = fast_sim >= fast_t
        fast_found = set(
            zip(upper[0][fast_pairs].tolist(), upper[1][fast_pairs].tolist(), strict=True)
        )
        n_truth = max(len(truth), 1)
        print(
            f"{name:22}{len(texts):>7,}{len(truth):>7}{len(truth & candidates) / n_truth:>7.3f}"
            f"{len(truth & found) / n_truth:>7.3f}{len(truth & found) / max(len(found), 1):>7.3f}"
            f"{report['verified_texts'] / len(texts):>7.1%}"
            f"{tokens[involved].sum() / max(tokens.sum(), 1):>7.1%}{wall:>8.1f}{cpu:>7.1f}"
            f"   {len(truth & fast_found) / n_truth:.3f} / "
            f"{int((truth_sim[fast_pairs] < REFERENCE).sum())} of {int(fast_pairs.sum())}"
        )
        grids.append((name, truth_sim >= REFERENCE, fast_sim, upper, tokens, len(texts)))
    print("\ncandidate recall / share of texts MiniLM embeds, flat fast thresholds vs the rule")
    flat = (0.80, 0.84, 0.86, 0.88)
    print(f"{'dataset':22}" + "".join(f"{f'>= {t:.2f}':>15}" for t in flat) + f"{'rule':>15}")
    for name, truth, fast_sim, upper, tokens, n in grids:
        shorter = np.minimum(tokens[upper[0]], tokens[upper[1]])
        rule = (fast_sim >= TIGHT_THRESHOLD) | (
            (shorter < SHORT_TOKENS) & (fast_sim >= LOOSE_THRESHOLD)
        )
        cells = [_cell(truth, fast_sim >= t, upper, n) for t in flat] + [
            _cell(truth, rule, upper, n)
        ]
        print(f"{name:22}" + "".join(f"{c:>15}" for c in cells))


def _cell(truth: np.ndarray, chosen: np.ndarray, upper, n: int) -> str:
    rows = np.zeros(n, dtype=bool)
    rows[upper[0][chosen]] = rows[upper[1][chosen]] = True
    recall = np.count_nonzero(truth & chosen) / max(np.count_nonzero(truth), 1)
    return f"{recall:.3f} / {rows.mean():.0%}"


def _candidates(fast_vectors: np.ndarray, tokens: np.ndarray) -> set[tuple[int, int]]:
    """The candidate pairs, recomputed from the fast vectors (all pairs compared)."""
    upper = np.triu_indices(len(fast_vectors), 1)
    similarity = (fast_vectors @ fast_vectors.T)[upper]
    keep = similarity >= LOOSE_THRESHOLD
    found = Edges(SEMANTIC, upper[0][keep], upper[1][keep], similarity[keep])
    chosen = candidate_pairs(found, tokens)
    return set(zip(chosen.first.tolist(), chosen.second.tolist(), strict=True))


def _token_counts(texts: list[str]) -> np.ndarray:
    """Each text's tokens as the fast embedder counts them (what the candidate rule reads)."""
    fast = run_to_end(open_embedder(FAST, embedder_files(FAST), "cpu"))
    run_to_end(fast.embed(texts))
    return fast.token_counts


if __name__ == "__main__":
    main()
