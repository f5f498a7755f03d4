"""The rows' sentence embeddings, each distinct text embedded once.

A project's semantic duplicate run keeps the vectors of the rows it clustered; when that run
used the same embedder on the same text, those rows are not embedded again.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from core.dataset import Dataset
from core.dedup.edges import SEMANTIC
from core.dedup.normalize import field_texts
from core.dedup.result import DuplicateResult
from core.embedding_map.config import MapConfig
from core.embedding_map.progress import MapProgress
from core.unique import factorize_texts


def reusable_vectors(
    settings: MapConfig, duplicates: DuplicateResult | None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and vectors of a semantic run made with this map's embedder and text, if any."""
    empty = np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    if duplicates is None or SEMANTIC not in duplicates.edges or not len(duplicates.vector_rows):
        return empty
    run = duplicates.settings
    if run.embedder != settings.embedder or run.field(SEMANTIC) != settings.on:
        return empty
    return duplicates.vector_rows, duplicates.vectors.astype(np.float32)


def embed_rows(
    dataset: Dataset,
    settings: MapConfig,
    device: str = "auto",
    duplicates: DuplicateResult | None = None,
) -> Generator[MapProgress, None, tuple[np.ndarray, int]]:
    """Unit-length float32 vectors, one per row, and how many rows reused a semantic run's."""
    from core.dedup.embedder import SentenceEmbedder, sentence_files

    texts = field_texts(dataset, settings.on)
    codes, uniques = factorize_texts(texts)
    known_rows, known = reusable_vectors(settings, duplicates)
    unique_vectors: np.ndarray | None = None
    have = np.zeros(len(uniques), dtype=bool)
    if len(known_rows):
        unique_vectors = np.zeros((len(uniques), known.shape[1]), np.float32)
        unique_vectors[codes[known_rows]] = known
        have[codes[known_rows]] = True
    missing = np.flatnonzero(~have)
    if len(missing):
        yield MapProgress("map: loading the embedding model", 0, 1)
        embedder = SentenceEmbedder(sentence_files(settings.embedder), device)
        generator = embedder.embed([uniques[i] for i in missing.tolist()])
        try:
            while True:
                step = next(generator)
                yield MapProgress("map: embedding", step.done, step.total)
        except StopIteration as done:
            fresh = done.value
        if unique_vectors is None:
            unique_vectors = np.zeros((len(uniques), fresh.shape[1]), np.float32)
        unique_vectors[missing] = fresh
    if unique_vectors is None:
        unique_vectors = np.zeros((0, 1), np.float32)
    reused = int(have[codes].sum()) if len(codes) else 0
    return unique_vectors[codes] if len(codes) else unique_vectors, reused
