"""Saving an overlap run in the project file, so the app and the export manifest find it again.

The references are remembered by path and SHA-256; the per-row matches go into one ``.npz``
blob (numbers only, read back with ``allow_pickle=False``: never a pickle). A run belongs to
one exact version of the open file: if its SHA-256 changed, the saved run is ignored. The
table is created on first use, so projects made before overlap checks existed open unchanged.
"""

from __future__ import annotations

import io
import time

import numpy as np
import orjson

from core.overlap.config import OverlapConfig
from core.overlap.matches import LevelMatches
from core.overlap.references import ReferenceInfo
from core.overlap.result import OverlapResult
from core.overlap.staleness import reference_states, stale_reason
from core.project.store import ProjectStore

_TABLE = """
CREATE TABLE IF NOT EXISTS overlap_runs (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    source_sha256 TEXT NOT NULL,
    settings      TEXT NOT NULL,
    refs          TEXT NOT NULL,
    created_at    REAL NOT NULL,
    payload       BLOB NOT NULL
)"""


def save_overlap(store: ProjectStore, result: OverlapResult) -> None:
    """Replace the project's saved overlap run with ``result``."""
    arrays: dict[str, np.ndarray] = {
        "rows": np.array([result.rows]),
        "seconds": np.array([result.seconds]),
    }
    for level, matches in result.levels.items():
        arrays.update(matches.arrays(level))
    for index, locations in enumerate(result.ref_locations):
        arrays[f"ref_locations_{index}"] = locations
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    refs = orjson.dumps([info.to_dict() for info in result.references]).decode()
    with store.transaction() as db:
        db.execute(_TABLE)
        db.execute(
            "INSERT OR REPLACE INTO overlap_runs (id, source_sha256, settings, refs, "
            "created_at, payload) VALUES (1, ?, ?, ?, ?, ?)",
            (
                result.source_sha256,
                orjson.dumps(result.settings.to_dict()).decode(),
                refs,
                time.time(),
                buffer.getvalue(),
            ),
        )


def saved_references(store: ProjectStore) -> list[ReferenceInfo]:
    """The references of the saved run (path and SHA-256), whatever file version it was for."""
    row = _row(store, "refs")
    return [] if row is None else [ReferenceInfo.from_dict(d) for d in orjson.loads(row[0])]


def load_overlap(store: ProjectStore, source_sha256: str, rows: int) -> OverlapResult | None:
    """The saved run, if there is one for this exact version of the open file."""
    row = _row(store, "source_sha256, settings, refs, payload")
    if row is None or row[0] != source_sha256:
        return None
    with np.load(io.BytesIO(bytes(row[3])), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    if int(arrays["rows"][0]) != rows:
        return None
    settings = OverlapConfig.from_dict(orjson.loads(row[1]))
    references = [ReferenceInfo.from_dict(d) for d in orjson.loads(row[2])]
    levels = {
        level: LevelMatches.from_arrays(arrays, level)
        for level in settings.levels()
        if f"{level}_ref_row" in arrays
    }
    locations = [
        arrays[f"ref_locations_{i}"]
        for i in range(len(references))
        if f"ref_locations_{i}" in arrays
    ]
    return OverlapResult(
        settings, rows, source_sha256, references, levels, float(arrays["seconds"][0]), locations
    )


def restore_overlap(session) -> OverlapResult | None:
    """Hand the project's saved overlap run (if any) to a review session's rule."""
    dataset = session.dataset
    result = load_overlap(session.store, dataset.source_sha256, len(dataset))
    if result is not None:
        session.set_overlap(result.level_bits())
    return result


def overlap_manifest(store: ProjectStore, source_sha256: str, rows: int) -> dict | None:
    """What the export manifest says about the overlap check, or None when none was made.

    Each reference (path, SHA-256, rows overlapping it per level) and the settings.
    """
    result = load_overlap(store, source_sha256, rows)
    if result is None:
        return None
    summary = result.summary()
    summary.pop("seconds")
    # Hashed again at export: the manifest says whether the check is about these files still.
    states = reference_states(result.references)
    for entry, state in zip(summary["references"], states, strict=True):
        entry["unchanged_since_check"] = state.current
    summary["stale"] = stale_reason(states)
    return summary


def _row(store: ProjectStore, columns: str):
    """The saved run's ``columns`` (creating the table in a project that predates it)."""
    with store.transaction() as db:
        db.execute(_TABLE)
        return db.execute(f"SELECT {columns} FROM overlap_runs WHERE id = 1").fetchone()
