"""Making a map: embed, show PCA at once, refine with PaCMAP, cluster and name the topics.

One cancellable generator (closing it stops the work at its next step) that yields
:class:`~core.embedding_map.progress.MapProgress`; the first PCA picture comes as a ``preview``
so the app can draw something within seconds, and the finished
:class:`~core.embedding_map.result.MapResult` is the return value.
"""

from __future__ import annotations

import time
from collections.abc import Generator

import numpy as np

from core.dataset import Dataset
from core.dedup.normalize import field_texts
from core.dedup.result import DuplicateResult
from core.embedding_map.config import MapConfig
from core.embedding_map.progress import MapProgress
from core.embedding_map.projection import MIN_PACMAP_ROWS, pacmap_2d, pca_2d
from core.embedding_map.result import MapResult
from core.embedding_map.topics import cluster_map, topic_labels
from core.embedding_map.vectors import embed_rows


def compute_map(
    dataset: Dataset,
    settings: MapConfig,
    device: str = "auto",
    duplicates: DuplicateResult | None = None,
    vectors: np.ndarray | None = None,
) -> Generator[MapProgress, None, MapResult]:
    """The map of ``dataset``; ``vectors`` (one per row) skip the embedding step."""
    started = time.perf_counter()
    reused = 0
    if vectors is None:
        vectors, reused = yield from embed_rows(dataset, settings, device, duplicates)
    n = len(vectors)
    yield MapProgress("map: PCA", 0, 1)
    xy = pca_2d(vectors, settings.seed)
    method, fitted = "pca", n

    def result(points: np.ndarray, topics: np.ndarray, labels: tuple[str, ...]) -> MapResult:
        return MapResult(
            settings,
            dataset.source_sha256,
            points,
            topics,
            labels,
            method,
            fitted,
            reused,
            time.perf_counter() - started,
        )

    if settings.method == "pacmap" and n >= MIN_PACMAP_ROWS:
        yield MapProgress("map: PCA", 1, 1, preview=result(xy, np.zeros(n, np.int32), ()))
        xy, fitted = yield from pacmap_2d(vectors, settings.fit_sample, settings.seed)
        method = "pacmap"
    yield MapProgress("map: naming topics", 0, 1)
    topics = cluster_map(xy, settings.seed)
    labels = topic_labels(field_texts(dataset, settings.on), topics, settings.seed)
    yield MapProgress("map: naming topics", 1, 1)
    return result(xy, topics, labels)
