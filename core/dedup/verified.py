"""Semantic duplicates on a CPU: the fast embedder proposes pairs, MiniLM decides them.

Why: the static (fast) embedder embeds 100k prompts in seconds but is a blunt judge: at a
threshold precise enough to avoid false drops it misses most of MiniLM's paraphrase pairs on
short chat prompts, and where it finds them it also pairs different GSM8K problems that share
a template. MiniLM judges well but embeds about 90 texts a second on two cores. So the fast
embedder only *proposes*: every pair at or above a loose :data:`CANDIDATE_THRESHOLD` (chosen so
that it contains nearly all of MiniLM's pairs, measured in ``benchmarks/bench_dedup.py``);
MiniLM embeds only the texts in some proposed pair, and a pair is a duplicate when MiniLM's
own cosine reaches MiniLM's threshold. Every decision is MiniLM's, so a dropped row is never
below MiniLM's 0.90 to its kept copy; what the fast stage can cost is recall (a MiniLM pair
the fast embedder put below the candidate threshold), and the time is the fast pass plus
MiniLM on the candidate texts only.

Find similar uses the fast vectors (every row has one; MiniLM embedded only candidates).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import numpy as np

from core.dedup.edges import SEMANTIC, Edges
from core.dedup.progress import DedupProgress
from core.scoring.model_files import ModelFiles

#: The fast embedder's cosine at which a pair becomes a candidate for MiniLM to judge.
CANDIDATE_THRESHOLD = 0.80
#: Distinct texts up to which the candidates come from comparing every pair (else partitions).
EXHAUSTIVE_LIMIT = 20_000
_STAGE = "semantic duplicates: MiniLM verifies the fast embedder's candidates"


def verified_edges(
    texts: Sequence[str],
    floor: float,
    files: ModelFiles,
    device: str,
    report: dict,
    candidate_threshold: float = CANDIDATE_THRESHOLD,
) -> Generator[DedupProgress, None, tuple[Edges, np.ndarray]]:
    """Pairs of ``texts`` (distinct) whose MiniLM cosine is at least ``floor``.

    Returns the pairs and every text's fast vector. ``files`` is the bundled MiniLM, from
    which the fast embedder is also distilled. ``report`` gains the candidate counts and
    MiniLM's truncation.
    """
    from core.dedup.embedder import SentenceEmbedder, open_embedder
    from core.dedup.embedder_choice import FAST
    from core.dedup.neighbours import cosine_edges
    from core.dedup.partitioned import partitioned_edges

    fast = yield from open_embedder(FAST, files, device)
    vectors = yield from fast.embed(list(texts))
    report["max_chars"] = getattr(fast, "max_chars", None)
    loose = min(candidate_threshold, floor)
    if fast.device.type == "cpu" and len(vectors) > EXHAUSTIVE_LIMIT:
        candidates = yield from partitioned_edges(vectors, loose)
    else:
        candidates = yield from cosine_edges(vectors, loose, fast.device)
    involved = np.unique(np.concatenate([candidates.first, candidates.second]))
    report["candidate_pairs"] = len(candidates)
    report["candidate_threshold"] = loose
    report["verified_texts"] = len(involved)
    report["max_tokens"] = None
    if not len(involved):
        report["truncated"] = 0
        return Edges.empty(SEMANTIC), vectors
    yield DedupProgress(_STAGE + " (loading MiniLM)", 0, len(involved))
    minilm = SentenceEmbedder(files, device)
    judged = yield from minilm.embed([texts[i] for i in involved.tolist()])
    report["truncated"] = minilm.truncated
    report["max_tokens"] = minilm.max_length
    position = np.full(len(texts), -1, dtype=np.int64)
    position[involved] = np.arange(len(involved))
    similarity = np.einsum(
        "ij,ij->i", judged[position[candidates.first]], judged[position[candidates.second]]
    )
    keep = similarity >= floor
    yield DedupProgress(_STAGE, len(involved), len(involved))
    return Edges(
        SEMANTIC,
        candidates.first[keep],
        candidates.second[keep],
        np.minimum(similarity[keep], 1.0).astype(np.float32),
    ), vectors
