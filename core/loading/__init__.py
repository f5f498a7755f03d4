"""Load a dataset file into a :class:`core.dataset.Dataset`, reporting every unusable line.

``iter_load`` is a generator that yields :class:`core.dataset.LoadProgress` and returns the
dataset, so a GUI worker can show progress and cancel by no longer iterating; ``load`` runs it
to the end. The only exception either raises on purpose is :class:`core.errors.LoadError`, for a
file that cannot be read as a dataset at all.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from core.dataset import Dataset, LoadProgress
from core.errors import LoadError
from core.generators import run_to_end
from core.loading.builder import DatasetBuilder
from core.loading.detect import detect_format
from core.loading.document import read_document
from core.loading.jsonl import read_jsonl
from core.loading.source import Source
from core.loading.tabular import read_table
from core.schemas import ColumnMapping, SchemaError

__all__ = ["iter_load", "load"]


def iter_load(
    path: str | Path, mapping: ColumnMapping | None = None
) -> Generator[LoadProgress, None, Dataset]:
    """Load ``path``, yielding progress; the generator's return value is the dataset."""
    path = Path(path)
    fmt, compressed = detect_format(path)
    builder = DatasetBuilder(path, fmt, compressed, mapping)
    with Source(path, compressed) as source:
        yield LoadProgress(0, source.size, 0, 0)
        try:
            if fmt == "jsonl":
                blank = yield from read_jsonl(source, builder)
            elif fmt == "json":
                blank = yield from read_document(source, builder)
            elif fmt == "parquet":
                # pyarrow is imported only for Parquet: the loader's worker processes (and every
                # JSONL load) start without it.
                from core.loading.parquet import read_parquet

                blank = yield from read_parquet(source, builder)
            else:
                blank = yield from read_table(source, builder, "\t" if fmt == "tsv" else ",")
            dataset = builder.finish(sha256=source.sha256(), size=source.size, blank_lines=blank)
            dataset.source_mtime_ns = source.mtime_ns
        except SchemaError as exc:
            raise LoadError(path, str(exc)) from None
        except MemoryError:
            raise LoadError(path, "not enough memory to load this file") from None
        except RecursionError:
            raise LoadError(path, "the file nests data too deeply to read") from None
    yield LoadProgress(source.size, source.size, len(dataset), len(dataset.bad_lines))
    return dataset


def load(path: str | Path, mapping: ColumnMapping | None = None) -> Dataset:
    """Load ``path`` to the end and return the dataset."""
    return run_to_end(iter_load(path, mapping))
