"""Saving maps in the project file, keyed by their settings, for one version of the source.

Arrays go into an ``.npz`` blob (numbers only, read back with ``allow_pickle=False``); the
labels are JSON. A map made from another version of the file is never shown: rows may have moved.
"""

from __future__ import annotations

import io

import numpy as np
import orjson

from core.dataset import Dataset
from core.embedding_map.config import MapConfig, MapSettingsError
from core.embedding_map.result import MapResult
from core.project.store import ProjectStore


def save_map(store: ProjectStore, result: MapResult) -> None:
    """Keep ``result`` as the project's map for its settings (replacing an older one)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, xy=result.xy, topics=result.topics)
    meta = {
        "labels": list(result.labels),
        "method": result.method,
        "fitted_rows": result.fitted_rows,
        "reused_vectors": result.reused_vectors,
        "seconds": result.seconds,
    }
    store.put_map(
        result.settings.key(), result.source_sha256, orjson.dumps(meta).decode(), buffer.getvalue()
    )


def load_map(
    store: ProjectStore, dataset: Dataset, settings: MapConfig | None = None
) -> MapResult | None:
    """The saved map for ``settings`` (default: the newest saved) and this file, or None."""
    saved = store.saved_map(settings.key() if settings is not None else None)
    if saved is None:
        return None
    key, source_sha256, meta_text, payload = saved
    if source_sha256 != dataset.source_sha256:
        return None
    try:
        saved_settings = MapConfig.from_dict(orjson.loads(key))
        meta = orjson.loads(meta_text)
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            xy, topics = data["xy"], data["topics"]
    except (orjson.JSONDecodeError, MapSettingsError, KeyError, ValueError, OSError, TypeError):
        return None  # a damaged or older cache entry is recomputed, not trusted
    if len(xy) != len(dataset) or len(topics) != len(dataset):
        return None
    return MapResult(
        saved_settings,
        source_sha256,
        xy.astype(np.float32),
        topics.astype(np.int32),
        tuple(meta["labels"]),
        meta["method"],
        int(meta["fitted_rows"]),
        int(meta["reused_vectors"]),
        float(meta["seconds"]),
    )
