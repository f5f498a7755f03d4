"""List the field names of a file's first records, for the column-mapping dialog."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from core.errors import LoadError
from core.loading.detect import HEAD_BYTES, UTF8_BOM, detect_format
from core.loading.source import Source

PEEK_RECORDS = 200


def peek_fields(path: str | Path) -> list[str]:
    """Field names seen in the first records, in first-seen order."""
    path = Path(path)
    fmt, compressed = detect_format(path)
    if fmt == "parquet":
        try:
            return list(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises several unrelated types for damaged files
            raise LoadError(path, f"not a readable Parquet file ({exc})") from None
    with Source(path, compressed) as source:
        head = source.read(HEAD_BYTES if fmt != "json" else -1).removeprefix(UTF8_BOM)
    if fmt in ("csv", "tsv"):
        text = head.decode("utf-8", "replace")
        row = next(csv.reader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ","), [])
        return [name.strip() for name in row]
    if fmt == "json":
        try:
            document = orjson.loads(head)
        except orjson.JSONDecodeError as exc:
            raise LoadError(path, f"invalid JSON ({exc})") from None
        records = (
            document
            if isinstance(document, list)
            else next((v for v in document.values() if isinstance(v, list)), [])
            if isinstance(document, dict)
            else []
        )
    else:
        records = []
        for line in head.split(b"\n")[:PEEK_RECORDS]:
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue
    fields: dict[str, None] = {}
    for record in records[:PEEK_RECORDS]:
        if isinstance(record, dict):
            fields.update(dict.fromkeys(record))
    return list(fields)
