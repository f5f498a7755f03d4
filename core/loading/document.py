"""Read a JSON document: an array of records, or an object holding one list of records.

Each record keeps its own text from the file (:mod:`core.loading.json_items`) for exports.

Bad items are reported by their 1-based record index (the position in the list).
"""

from __future__ import annotations

from collections.abc import Generator

import orjson

from core.dataset import LoadProgress
from core.errors import LoadError
from core.loading.builder import DatasetBuilder, describe_value
from core.loading.detect import UTF8_BOM
from core.loading.duplicate_keys import may_repeat_keys, repeated_keys_by_item
from core.loading.json_errors import json_error_reason, utf8_error_offset
from core.loading.json_items import record_texts
from core.loading.source import Source

PROGRESS_EVERY_RECORDS = 50_000


def read_document(source: Source, builder: DatasetBuilder) -> Generator[LoadProgress, None, int]:
    """Feed every record of a JSON document to ``builder``; returns 0 (no blank lines)."""
    data = source.read_all().removeprefix(UTF8_BOM)
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        offset = utf8_error_offset(data) if "UTF-8" in str(exc) else None
        line = data.count(b"\n", 0, offset) + 1 if offset is not None else exc.lineno
        raise LoadError(source.path, json_error_reason(exc, data), line=line) from None
    records = _records_of(document, source)
    repeated = repeated_keys_by_item(data) if may_repeat_keys(data, document) else {}
    if -1 in repeated:
        raise LoadError(source.path, f"the top-level object repeats the key '{repeated[-1]}'")
    total = len(records)
    # Each record's own text, so an export writes it as the file did (not re-serialised).
    texts = record_texts(data, isinstance(document, dict))
    if texts is not None and len(texts) != total:
        texts = None
    for index, record in enumerate(records, 1):
        if index - 1 in repeated:
            builder.bad(index, f"repeated key '{repeated[index - 1]}': the record is ambiguous")
        else:
            builder.add(index, record, texts[index - 1] if texts is not None else None)
        if index % PROGRESS_EVERY_RECORDS == 0:
            done = source.size * index // max(total, 1)
            yield LoadProgress(done, source.size, builder.rows, len(builder.bad_lines))
    return 0


def _records_of(document: object, source: Source) -> list:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = {k: v for k, v in document.items() if isinstance(v, list)}
        if len(lists) == 1:
            return next(iter(lists.values()))
        if not lists:
            raise LoadError(
                source.path,
                "the JSON object holds no list of records "
                "(expected an array, or an object with one list)",
            )
        raise LoadError(
            source.path,
            "the JSON object holds several lists ("
            + ", ".join(sorted(lists))
            + "); expected exactly one list of records",
        )
    raise LoadError(
        source.path, f"the JSON document is {describe_value(document)}, not an array of records"
    )
