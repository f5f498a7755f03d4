"""Semantic duplicates on a CPU: the fast embedder proposes pairs, MiniLM decides them.

Why: the static (fast) embedder embeds 100k prompts in seconds but is a blunt judge: at a
threshold precise enough to avoid false drops it misses most of MiniLM's paraphrase pairs on
short chat prompts, and where it finds them it also pairs different GSM8K problems that share
a template. MiniLM judges well but embeds about 100 texts a second on two cores. So the fast
embedder only *proposes* candidates (:func:`candidate_pairs`), generously enough to hold at
least 95% of MiniLM's pairs on real files; MiniLM embeds only the texts in some candidate, and
a pair is a duplicate when MiniLM's own cosine reaches MiniLM's threshold (:func:`verify`).
Every decision is MiniLM's, so a dropped row is never below MiniLM's 0.90 to its kept copy;
what the fast stage can cost is recall (a MiniLM pair it did not propose), and the time is the
fast pass plus MiniLM on the candidate texts only.

The candidate rule depends on length because a static vector is a mean of token vectors: a
short text averages few of them, so rewording two of its eight words moves its vector far
("how do i steal a car?" / "how can i steal a car?": 0.99 for MiniLM, 0.93 for the fast
embedder; "how do i avoid getting caught?" / "how can i ensure i don't get caught?": 0.93 and
0.77), while long texts on a shared template sit close whatever they ask (GSM8K questions:
more than half of them have a neighbour at 0.80, yet every MiniLM pair there is at 0.92 or
more). Measured on real files by ``benchmarks/calibrate_verified.py``.

Find similar uses the fast vectors (every row has one; MiniLM embedded only candidates).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import numpy as np

from core.dedup.edges import SEMANTIC, Edges, concatenate
from core.dedup.progress import DedupProgress
from core.scoring.model_files import ModelFiles
from core.unique import unique_sorted

#: The fast embedder's cosine at which a pair of short texts becomes a candidate...
LOOSE_THRESHOLD = 0.75
#: ... and a pair of longer texts.
TIGHT_THRESHOLD = 0.86
#: A pair is short when its shorter text has fewer tokens than this (MiniLM's word pieces).
SHORT_TOKENS = 22
#: MiniLM's threshold the candidate thresholds are calibrated for; a lower one lowers them alike.
CALIBRATED_FOR = 0.90
#: Distinct texts up to which the candidates come from comparing every pair (else partitions).
EXHAUSTIVE_LIMIT = 20_000
_STAGE = "semantic duplicates: MiniLM verifies the fast embedder's candidates"


def candidate_pairs(
    found: Edges,
    token_counts: np.ndarray,
    loose: float = LOOSE_THRESHOLD,
    tight: float = TIGHT_THRESHOLD,
    short: int = SHORT_TOKENS,
) -> Edges:
    """The pairs of ``found`` (fast cosines, at least ``loose``) worth asking MiniLM about.

    A pair whose shorter text has fewer than ``short`` tokens is a candidate at ``loose``,
    any other at ``tight``.
    """
    shorter = np.minimum(token_counts[found.first], token_counts[found.second])
    keep = (found.similarity >= np.float32(tight)) | (
        (shorter < short) & (found.similarity >= np.float32(loose))
    )
    return Edges(found.kind, found.first[keep], found.second[keep], found.similarity[keep])


def verify(candidates: Edges, texts: np.ndarray, vectors: np.ndarray, floor: float) -> Edges:
    """The candidates whose MiniLM cosine is at least ``floor``, with that cosine.

    ``vectors[k]`` is MiniLM's unit vector of text ``texts[k]``; every text of a candidate is
    among ``texts``.
    """
    if not len(candidates):
        return Edges.empty(candidates.kind)
    position = np.full(int(max(candidates.first.max(), candidates.second.max())) + 1, -1)
    position[texts] = np.arange(len(texts))
    similarity = np.einsum(
        "ij,ij->i", vectors[position[candidates.first]], vectors[position[candidates.second]]
    )
    keep = similarity >= np.float32(floor)
    return Edges(
        candidates.kind,
        candidates.first[keep],
        candidates.second[keep],
        np.minimum(similarity[keep], 1.0).astype(np.float32),
    )


def verified_edges(
    texts: Sequence[str],
    floor: float,
    files: ModelFiles,
    device: str,
    report: dict,
    threshold: float = CALIBRATED_FOR,
) -> Generator[DedupProgress, None, tuple[Edges, np.ndarray]]:
    """Pairs of ``texts`` (distinct) whose MiniLM cosine is at least ``floor``.

    Returns the pairs and every text's fast vector. ``files`` is the bundled MiniLM, from
    which the fast embedder is also distilled; ``threshold`` is the curator's (below
    :data:`CALIBRATED_FOR`, the candidate thresholds move down with it). ``report`` gains the
    candidate counts and MiniLM's truncation.
    """
    from core.dedup.embedder import SentenceEmbedder

    candidates, vectors, _ = yield from fast_candidates(texts, files, device, report, threshold)
    involved = unique_sorted(np.concatenate([candidates.first, candidates.second]))
    report["verified_texts"] = len(involved)
    report["max_tokens"] = None
    if not len(involved):
        report["truncated"] = 0
        return Edges.empty(SEMANTIC), vectors
    stage = f"{_STAGE} ({len(involved):,} of {len(texts):,} texts)"
    yield DedupProgress(stage + ": loading MiniLM", 0, len(involved))
    minilm = SentenceEmbedder(files, device)
    judged = yield from _relabelled(minilm.embed([texts[i] for i in involved.tolist()]), stage)
    report["truncated"] = minilm.truncated
    report["max_tokens"] = minilm.max_length
    edges = verify(candidates, involved, judged, floor)
    yield DedupProgress(stage, len(involved), len(involved))
    return edges, vectors


def fast_candidates(
    texts: Sequence[str],
    files: ModelFiles | None,
    device: str,
    report: dict,
    threshold: float = CALIBRATED_FOR,
) -> Generator[DedupProgress, None, tuple[Edges, np.ndarray, np.ndarray]]:
    """The first stage: the candidate pairs, every text's fast vector and its token count."""
    from core.dedup.embedder import open_embedder
    from core.dedup.embedder_choice import FAST
    from core.dedup.neighbours import cosine_edges
    from core.dedup.partitioned import partitioned_edges
    from core.dedup.static_embedder import StaticEmbedder

    fast = yield from open_embedder(FAST, files, device)
    assert isinstance(fast, StaticEmbedder)
    vectors = yield from fast.embed(list(texts))
    report["max_chars"] = fast.max_chars
    shift = min(0.0, threshold - CALIBRATED_FOR)
    loose, tight = LOOSE_THRESHOLD + shift, TIGHT_THRESHOLD + shift
    if fast.device.type == "cpu" and len(vectors) > EXHAUSTIVE_LIMIT:
        # Long pairs at the tight cosine; only short texts ask for the loose one (a search at
        # the loose cosine for every row costs as much again as the fast run on long prompts).
        tight_found = yield from partitioned_edges(vectors, tight)
        short_found = yield from partitioned_edges(
            vectors, loose, ask=fast.token_counts < SHORT_TOKENS
        )
        both = concatenate(SEMANTIC, [tight_found, short_found])
        found = Edges.from_lists(SEMANTIC, both.first, both.second, both.similarity)
    else:
        found = yield from cosine_edges(vectors, loose, fast.device)
    candidates = candidate_pairs(found, fast.token_counts, loose, tight)
    report["candidate_pairs"] = len(candidates)
    report["candidate_threshold"] = loose
    report["candidate_tight"] = tight
    return candidates, vectors, fast.token_counts


def _relabelled(
    run: Generator[DedupProgress, None, np.ndarray], stage: str
) -> Generator[DedupProgress, None, np.ndarray]:
    """``run``'s progress under ``stage`` (the curator sees MiniLM is verifying); its result."""
    try:
        while True:
            try:
                step = next(run)
            except StopIteration as finished:
                return finished.value
            yield DedupProgress(stage, step.done, step.total, step.notice)
    finally:
        run.close()
