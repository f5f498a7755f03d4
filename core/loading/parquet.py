"""Read Parquet in record batches; rows holding NaN or infinite numbers are reported.

Bad rows are numbered by their 1-based row index.
"""

from __future__ import annotations

import io
import math
from collections.abc import Generator

import pyarrow as pa
import pyarrow.parquet as pq

from core.dataset import LoadProgress
from core.errors import LoadError
from core.loading.builder import DatasetBuilder
from core.loading.source import Source

BATCH_ROWS = 65_536


def read_parquet(source: Source, builder: DatasetBuilder) -> Generator[LoadProgress, None, int]:
    """Feed every row to ``builder`` as a dict; returns 0 (Parquet has no blank lines)."""
    data = source.read_all()
    try:
        table = pq.ParquetFile(io.BytesIO(data))
        total = table.metadata.num_rows
        batches = table.iter_batches(batch_size=BATCH_ROWS)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise LoadError(source.path, f"not a readable Parquet file ({exc})") from None
    index = 0
    while True:
        try:
            batch = next(batches, None)
            records = batch.to_pylist() if batch is not None else None
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise LoadError(
                source.path,
                f"damaged Parquet data after row {index} ({exc})",
            ) from None
        if records is None:
            break
        for record in records:
            index += 1
            bad = _non_finite_field(record)
            if bad is not None:
                builder.bad(index, f"field '{bad}' is NaN or infinite")
            else:
                builder.add(index, record)
        done = source.size * index // max(total, 1)
        yield LoadProgress(done, source.size, builder.rows, len(builder.bad_lines))
    return 0


def _non_finite_field(record: dict) -> str | None:
    for key, value in record.items():
        if type(value) is float and not math.isfinite(value):
            return key
    return None
