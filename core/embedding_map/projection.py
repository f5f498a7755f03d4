"""2-D projections: PCA for an instant first picture, PaCMAP for the map a curator reads.

PaCMAP (Wang et al., 2021) keeps both neighbourhoods and the global layout; on 2 cores it fitted
100k x 384 vectors in 57 s against umap-learn's 93 s (issue #22's measurements). Its numba
kernels are compiled once per install and cached. Past ``fit_sample`` rows it is fitted on a
random sample and the rest are placed with its out-of-sample ``transform``, in chunks, so
progress keeps coming and a cancel takes effect between chunks.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from core.embedding_map.progress import MapProgress

#: PaCMAP needs enough rows for its neighbour pairs; below this a map is PCA.
MIN_PACMAP_ROWS = 60
#: Rows placed out of sample per step.
TRANSFORM_CHUNK = 50_000


def pca_2d(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """The first two principal components (randomised SVD past a few thousand rows)."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n < 3 or vectors.shape[1] < 2:
        return np.zeros((n, 2), np.float32)
    from sklearn.decomposition import PCA

    solver = "randomized" if n > 5000 else "full"
    return PCA(n_components=2, svd_solver=solver, random_state=seed
               ).fit_transform(vectors).astype(np.float32)


def pacmap_2d(vectors: np.ndarray, fit_sample: int, seed: int = 0
              ) -> Generator[MapProgress, None, tuple[np.ndarray, int]]:
    """PaCMAP coordinates and how many rows the projection was fitted on."""
    import logging

    import pacmap

    # It warns on every fit that a fixed seed costs parallelism: known, and the price of a
    # map that is the same each time it is made.
    logging.getLogger("pacmap.pacmap").setLevel(logging.ERROR)

    n = len(vectors)
    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(n, fit_sample, replace=False)) if n > fit_sample \
        else np.arange(n)
    yield MapProgress(f"map: PaCMAP on {len(fit_rows):,} rows", 0, 1)
    model = pacmap.PaCMAP(n_components=2, random_state=seed, save_tree=n > fit_sample,
                          verbose=False)
    basis = np.ascontiguousarray(vectors[fit_rows], dtype=np.float32)
    fitted = model.fit_transform(basis, init="pca").astype(np.float32)
    yield MapProgress(f"map: PaCMAP on {len(fit_rows):,} rows", 1, 1)
    if len(fit_rows) == n:
        return fitted, n
    out = np.zeros((n, 2), np.float32)
    out[fit_rows] = fitted
    rest = np.setdiff1d(np.arange(n), fit_rows, assume_unique=True)
    for start in range(0, len(rest), TRANSFORM_CHUNK):
        yield MapProgress("map: placing the other rows", start, len(rest))
        chunk = rest[start:start + TRANSFORM_CHUNK]
        out[chunk] = model.transform(np.ascontiguousarray(vectors[chunk], np.float32),
                                     basis=basis)
    yield MapProgress("map: placing the other rows", len(rest), len(rest))
    return out, len(fit_rows)
