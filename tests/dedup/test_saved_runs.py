"""A run saved by an older version (no report, vectors of matched rows only) is re-planned."""

from __future__ import annotations

import io

import numpy as np

from core.dedup.clusters import cluster_rows
from core.dedup.config import DedupConfig
from core.dedup.edges import NEAR
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.dedup.storage import load_result
from core.generators import run_to_end
from core.project import ProjectStore
from tests.dedup.conftest import pair_text, reference_jaccard


def _save_as_older_version(store: ProjectStore, result) -> None:
    """The payload older versions wrote: edges and floors, no report."""
    arrays = {
        "rows": np.array([result.rows]),
        "seconds": np.array([result.seconds]),
        "vector_rows": np.zeros(0, np.int64),
        "vectors": np.zeros((0, 0), np.float16),
    }
    for kind, edges in result.edges.items():
        arrays[f"first_{kind}"] = edges.first
        arrays[f"second_{kind}"] = edges.second
        arrays[f"similarity_{kind}"] = edges.similarity
        arrays[f"floor_{kind}"] = np.array([result.floors[kind]])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    store.put_duplicate_run(result.source_sha256, result.settings.to_dict(), buffer.getvalue())


def test_an_older_saved_run_is_re_planned_on_open(injected, injected_dataset, tmp_path):
    # A loose threshold chains the GSM8K templates together.
    settings = DedupConfig(exact=False, near=0.5)
    result = run_to_end(find_duplicates(injected_dataset, settings))
    with ProjectStore(tmp_path / "old.thresher") as store:
        _save_as_older_version(store, result)
        restored = load_result(store, injected_dataset)
    assert restored is not None and restored.report == {}
    table = build_table(injected_dataset, restored)
    chained = cluster_rows(restored.rows, restored.thresholded())
    assert table.summary()["dropped"] <= int(chained.clustered.sum() - chained.count())
    # Every drop truly matches its kept copy: checked with an independent Jaccard.
    records = injected.records
    for row in np.flatnonzero(table.dropped).tolist():
        kept = int(table.kept[row])
        truth = reference_jaccard(pair_text(records[row]), pair_text(records[kept]))
        assert truth >= 0.5 - 1e-6 and abs(truth - float(table.similarity[row])) < 1e-5
    assert table.summary()["lowest_similarity"]["near"] >= 0.5
    assert NEAR in restored.edges and table.summary()["notes"] == []
