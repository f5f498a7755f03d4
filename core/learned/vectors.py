"""Sentence embeddings of each pair's prompt and response, each distinct text embedded once.

The embedder is the duplicate finder's (:mod:`core.dedup.embedder`): ``fast`` (the static model
distilled from the bundled MiniLM, thousands of texts a second on a CPU) by default, or
``bundled`` (MiniLM itself, about 90 texts/s on a 2-core CPU). A project's semantic duplicate
run on the prompt or the response with the same embedder (``fast`` for a ``verified`` run, which
keeps the fast vectors) already holds those vectors; they are reused instead of embedding again.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import numpy as np

from core.dedup.edges import SEMANTIC
from core.dedup.embedder_choice import FAST, VERIFIED
from core.dedup.result import DuplicateResult
from core.learned.progress import LearnProgress
from core.text_arrays import take_texts, texts_array
from core.unique import factorize_rows

DEFAULT_EMBEDDER = FAST


def reusable_vectors(
    duplicates: DuplicateResult | None, embedder: str
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"prompt"|"response": (rows, vectors)}`` a saved semantic run can lend."""
    if duplicates is None or SEMANTIC not in duplicates.edges or not len(duplicates.vector_rows):
        return {}
    run = duplicates.settings
    field = run.field(SEMANTIC)
    # A verified run keeps every row's fast vector (MiniLM embedded only the candidates).
    held = FAST if run.embedder == VERIFIED else run.embedder
    if (
        held != embedder
        or field not in ("prompt", "response")
        or getattr(run, "strip_boilerplate", False)
    ):  # vectors of stripped text are not the text's
        return {}
    return {field: (duplicates.vector_rows, duplicates.vectors.astype(np.float32))}


def open_embedder(name: str, device: str = "auto"):
    """The embedder ``name`` (a generator: the fast one may be built first, about 30 s)."""
    from core.dedup.embedder import embedder_files
    from core.dedup.embedder import open_embedder as open_dedup_embedder

    embedder = yield from _relabel(
        open_dedup_embedder(name, embedder_files(name), device), "learning: loading the embedder"
    )
    return embedder


def _relabel(generator, stage: str):
    """Forward a dedup generator's progress under our own stage name; return its value."""
    while True:
        try:
            step = next(generator)
        except StopIteration as done:
            return done.value
        yield LearnProgress(stage, step.done, step.total)


def embed_pairs(
    prompts: Sequence[str],
    responses: Sequence[str],
    embedder_name: str,
    embedder=None,
    reuse: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    device: str = "auto",
) -> Generator[LearnProgress, None, tuple[np.ndarray, np.ndarray, object]]:
    """Unit-length prompt and response vectors (float32) and the embedder used.

    ``embedder``: one already loaded (a retrain or a second file reuses it); ``reuse``: rows and
    vectors per field from :func:`reusable_vectors`.
    """
    n = len(prompts)
    # The texts in a NumPy object array, not a list: the distinct ones are kept through the
    # embedding (minutes at 1M rows, in the background of a review), and every full garbage
    # collection walked a list of them item by item (~80 ms at 1M rows, the GIL held).
    texts = texts_array(prompts, responses)
    codes, first = factorize_rows(texts)
    uniques = take_texts(texts, first)
    del texts
    have = np.zeros(len(uniques), dtype=bool)
    unique_vectors: np.ndarray | None = None
    for field, (rows, vectors) in (reuse or {}).items():
        offset = 0 if field == "prompt" else n
        at = codes[offset + rows]
        if unique_vectors is None:
            unique_vectors = np.zeros((len(uniques), vectors.shape[1]), np.float32)
        unique_vectors[at] = vectors
        have[at] = True
    missing = np.flatnonzero(~have)
    if len(missing):
        if embedder is None:
            embedder = yield from open_embedder(embedder_name, device)
        fresh = yield from _relabel(
            embedder.embed(take_texts(uniques, missing)),
            "learning: embedding prompts and responses",
        )
        if unique_vectors is None:
            unique_vectors = np.zeros((len(uniques), fresh.shape[1]), np.float32)
        unique_vectors[missing] = fresh
    if unique_vectors is None:  # no pairs at all
        unique_vectors = np.zeros((0, 1), np.float32)
    vectors = (
        unique_vectors[codes] if len(codes) else np.zeros((0, unique_vectors.shape[1]), np.float32)
    )
    return vectors[:n], vectors[n:], embedder
