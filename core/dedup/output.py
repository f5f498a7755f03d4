"""The per-record duplicate table as a DataFrame, for ``dedup -o`` (CSV, JSONL or Parquet)."""

from __future__ import annotations

import pandas as pd

from core.dataset import Dataset
from core.dedup.keep import ROLE_NAMES, UNIQUE
from core.dedup.outcome import DuplicateTable, match_names


def rows_frame(dataset: Dataset, table: DuplicateTable) -> pd.DataFrame:
    """One row per record in file order.

    ``row`` numbers records from 0 in file order (``cluster`` and ``duplicate_of`` use it);
    ``cluster`` is the first row of the record's cluster (the record itself when it has no
    duplicate); ``duplicate_of`` is the row of the kept copy, empty for kept and unique rows;
    ``match`` is how the record matched and ``similarity`` its similarity to the kept copy.
    """
    not_kept = table.plan.not_kept
    duplicate_of = pd.array(table.kept, dtype="Int64")
    duplicate_of[~not_kept] = pd.NA
    similarity = pd.array(table.similarity, dtype="Float32")
    similarity[~not_kept] = pd.NA
    role = table.role
    return pd.DataFrame(
        {
            "row": range(len(dataset)),
            dataset.location_kind: dataset.locations,
            "fingerprint": [bytes(fp).hex() for fp in dataset.fingerprints],
            "cluster": table.cluster,
            "cluster_size": table.size,
            "duplicate_of": duplicate_of,
            "match": [
                name if nk else ""
                for name, nk in zip(match_names(table.match), not_kept.tolist(), strict=True)
            ],
            "similarity": similarity,
            "role": [ROLE_NAMES[r] if r != UNIQUE else "unique" for r in role.tolist()],
        }
    )
