"""Saving a duplicate run in the project file, and the curator's choices of kept copies.

The run's arrays go into one ``.npz`` blob (numbers only, read back with
``allow_pickle=False``: never a pickle). A run belongs to one exact version of the source file:
if the file's SHA-256 changed, the saved run is ignored, because row numbers may have moved.
Kept-copy choices are keyed by fingerprint and occurrence, like decisions, so they survive.
"""

from __future__ import annotations

import io

import numpy as np
import orjson

from core.dataset import Dataset
from core.dedup.config import DedupConfig
from core.dedup.edges import Edges
from core.dedup.result import DuplicateResult
from core.project.store import DecisionKey, ProjectStore
from core.review.decisions import decision_keys


def save_result(store: ProjectStore, result: DuplicateResult) -> None:
    """Replace the project's saved duplicate run with ``result``."""
    arrays: dict[str, np.ndarray] = {
        "rows": np.array([result.rows]),
        "seconds": np.array([result.seconds]),
    }
    for kind, edges in result.edges.items():
        arrays[f"first_{kind}"] = edges.first
        arrays[f"second_{kind}"] = edges.second
        arrays[f"similarity_{kind}"] = edges.similarity
        arrays[f"floor_{kind}"] = np.array([result.floors[kind]])
    if result.exact_keys is not None:
        arrays["exact_keys"] = result.exact_keys
    arrays["vector_rows"] = result.vector_rows
    arrays["vectors"] = result.vectors
    arrays["report_json"] = np.frombuffer(orjson.dumps(result.report), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    store.put_duplicate_run(result.source_sha256, result.settings.to_dict(), buffer.getvalue())


def load_result(store: ProjectStore, dataset: Dataset) -> DuplicateResult | None:
    """The saved run, if there is one for this exact version of the dataset's file."""
    saved = store.duplicate_run()
    if saved is None:
        return None
    source_sha256, settings, payload = saved
    if source_sha256 != dataset.source_sha256:
        return None
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    if int(arrays["rows"][0]) != len(dataset):
        return None
    edges: dict[int, Edges] = {}
    floors: dict[int, float] = {}
    for kind in range(3):
        if f"first_{kind}" in arrays:
            edges[kind] = Edges(
                kind,
                arrays[f"first_{kind}"],
                arrays[f"second_{kind}"],
                arrays[f"similarity_{kind}"],
            )
            floors[kind] = float(arrays[f"floor_{kind}"][0])
    return DuplicateResult(
        DedupConfig.from_dict(settings),
        len(dataset),
        source_sha256,
        edges,
        floors,
        arrays.get("exact_keys"),
        arrays["vector_rows"],
        arrays["vectors"],
        float(arrays["seconds"][0]),
        _report(arrays.get("report_json")),
    )


def _report(data: np.ndarray | None) -> dict:
    """The run's report (runs saved before reports existed have none)."""
    if data is None:
        return {}
    try:
        report = orjson.loads(data.tobytes())
    except orjson.JSONDecodeError:
        return {}
    return report if isinstance(report, dict) else {}


def save_settings(store: ProjectStore, settings: DedupConfig) -> None:
    """Keep new thresholds or budget for the saved run."""
    store.put_duplicate_settings(settings.to_dict())


def preferred_rows(store: ProjectStore, dataset: Dataset) -> np.ndarray:
    """A mask of the rows a curator chose to keep in their clusters."""
    chosen = store.kept_copies()
    mask = np.zeros(len(dataset), dtype=bool)
    if chosen:
        for row, key in enumerate(decision_keys(dataset.fingerprints, dataset.occurrences)):
            if key in chosen:
                mask[row] = True
    return mask


def choose_kept(
    store: ProjectStore, keys: list[DecisionKey], row: int, cluster_rows: np.ndarray
) -> None:
    """Make ``row`` its cluster's kept copy (clearing earlier choices in that cluster).

    ``keys`` are the dataset's :func:`core.review.decisions.decision_keys`, computed once by
    the caller: a curator may pick many kept copies in a row.
    """
    store.choose_kept_copy(keys[row], [keys[r] for r in cluster_rows.tolist() if r != row])
