"""2-D projections: PCA for an instant first picture, PaCMAP for the map a curator reads.

PaCMAP (Wang et al., 2021) keeps both neighbourhoods and the global layout; on 2 cores it fitted
100k x 384 vectors in 57 s against umap-learn's 93 s (issue #22's measurements). Its numba
kernels are compiled once per install and cached. Past ``fit_sample`` rows it is fitted on a
random sample and the rest are placed with its out-of-sample ``transform``, in chunks, so
progress keeps coming. The fit runs in a child process that a cancel terminates.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from core.embedding_map.fit_process import pacmap_in_child
from core.embedding_map.progress import MapProgress

#: PaCMAP needs enough rows for its neighbour pairs; below this a map is PCA.
MIN_PACMAP_ROWS = 60


def pca_2d(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """The first two principal components (randomised SVD past a few thousand rows)."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n < 3 or vectors.shape[1] < 2:
        return np.zeros((n, 2), np.float32)
    from sklearn.decomposition import PCA

    solver = "randomized" if n > 5000 else "full"
    return (
        PCA(n_components=2, svd_solver=solver, random_state=seed)
        .fit_transform(vectors)
        .astype(np.float32)
    )


def pacmap_2d(
    vectors: np.ndarray, fit_sample: int, seed: int = 0
) -> Generator[MapProgress, None, tuple[np.ndarray, int]]:
    """PaCMAP coordinates and how many rows the projection was fitted on.

    The fit runs in a child process (:mod:`core.embedding_map.fit_process`): closing this
    generator stops it at once, which a numba call on this thread could not.
    """
    n = len(vectors)
    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(n, fit_sample, replace=False)) if n > fit_sample else np.arange(n)
    xy = yield from pacmap_in_child(vectors, fit_rows, seed)
    return xy, len(fit_rows)
