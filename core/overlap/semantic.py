"""Semantic overlap: rephrasings, found by the cosine of the duplicate detector's embeddings.

Each distinct text is embedded once (rows and reference records alike) with the dedup
embedder; every row is then compared with every reference record, a block of rows at a time
(a matrix product, on the GPU when there is one), keeping each row's most similar record.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import numpy as np
import torch

from core.dedup.progress import DedupProgress
from core.unique import factorize_texts

#: Similarities held at once (a block of rows against every reference record).
BLOCK_CELLS = 16_000_000
_STAGE = "semantic: comparing"


def best_cosine(
    vectors: np.ndarray, ref_vectors: np.ndarray, device: torch.device
) -> Generator[DedupProgress, None, tuple[np.ndarray, np.ndarray]]:
    """For each row of ``vectors`` (unit length): its most similar reference row and cosine."""
    n = len(vectors)
    best = np.full(n, -1, dtype=np.int64)
    cosine = np.zeros(n, dtype=np.float32)
    if not n or not len(ref_vectors):
        return best, cosine
    refs = torch.from_numpy(np.ascontiguousarray(ref_vectors, dtype=np.float32)).to(device)
    block = max(16, BLOCK_CELLS // len(ref_vectors))
    for start in range(0, n, block):
        yield DedupProgress(_STAGE, start, n)
        rows = torch.from_numpy(
            np.ascontiguousarray(vectors[start : start + block], dtype=np.float32)
        ).to(device)
        value, index = (rows @ refs.T).max(dim=1)
        best[start : start + len(rows)] = index.cpu().numpy()
        cosine[start : start + len(rows)] = np.minimum(value.float().cpu().numpy(), 1.0)
    yield DedupProgress(_STAGE, n, n)
    return best, cosine


def embed_distinct(
    embedder, texts: Sequence[str]
) -> Generator[DedupProgress, None, tuple[np.ndarray, list, np.ndarray]]:
    """Each distinct text embedded once: (code per text, distinct texts, their vectors).

    The open file's texts are embedded once and compared with every reference.
    """
    codes, uniques = factorize_texts(texts)
    vectors = yield from embedder.embed(list(uniques))
    return codes, list(uniques), vectors


def semantic_matches(
    embedder, own: tuple[np.ndarray, list, np.ndarray], ref_texts: Sequence[str], threshold: float
) -> Generator[DedupProgress, None, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Rows with cosine >= ``threshold`` to a reference record.

    ``own`` is :func:`embed_distinct` of the open file's texts. Returns the rows, their most
    similar reference row, and the cosine. ``embedder`` is a
    :class:`core.dedup.embedder.SentenceEmbedder`.
    """
    codes, uniques, vectors = own
    ref_codes, ref_uniques = factorize_texts(ref_texts)
    first_ref = np.full(len(ref_uniques), -1, dtype=np.int64)
    first_ref[ref_codes[::-1]] = np.arange(len(ref_codes))[::-1]
    ref_vectors = yield from embedder.embed(list(ref_uniques))
    best, cosine = yield from best_cosine(vectors, ref_vectors, embedder.device)
    blank = np.array([not t.strip() for t in uniques], dtype=bool)
    hit = (best >= 0) & (cosine >= threshold) & ~blank
    if len(ref_uniques):
        ref_blank = np.array([not t.strip() for t in ref_uniques], dtype=bool)
        hit &= ~ref_blank[np.maximum(best, 0)]
    matched = np.flatnonzero(hit[codes])
    return matched, first_ref[best[codes[matched]]], cosine[codes[matched]]
