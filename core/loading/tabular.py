"""Read CSV and TSV with a header row: strict UTF-8, every short, long or broken row reported.

Python's ``csv`` module is used directly rather than pandas, because pandas pads short rows
silently and cannot report a row's physical line. Fields may be as large as a line may be
(LLM responses routinely exceed ``csv``'s default 128 KB cap).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Generator

from core.dataset import LoadProgress
from core.errors import LoadError
from core.loading.builder import DatasetBuilder
from core.loading.jsonl import MAX_LINE_BYTES
from core.loading.source import Source

PROGRESS_EVERY_ROWS = 50_000
_UNDECODABLE = re.compile("[\udc80-\udcff]")

csv.field_size_limit(MAX_LINE_BYTES)


def read_table(
    source: Source, builder: DatasetBuilder, delimiter: str
) -> Generator[LoadProgress, None, int]:
    """Feed every data row to ``builder`` as a dict keyed by the header; returns blank lines."""
    data = source.read_all()
    try:
        text = data.decode("utf-8-sig")
        check_utf8 = False
    except UnicodeDecodeError:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")
        check_utf8 = True
    total_lines = text.count("\n") + 1
    del data
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = _header(reader, source, check_utf8)
    width = len(header)
    blank = 0
    start = reader.line_num + 1
    seen_rows = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if reader.line_num >= total_lines - 1 and "end of data" in str(exc):
                builder.bad(
                    start,
                    f"unclosed quote: the field that opens on line {start} runs "
                    f"to the end of the file (lines {start}-{reader.line_num} "
                    "could not be read)",
                )
            else:
                builder.bad(start, f"malformed CSV: {exc}")
            start = reader.line_num + 1
            continue
        if not row:
            blank += 1
        elif check_utf8 and any(_UNDECODABLE.search(cell) for cell in row):
            builder.bad(start, "invalid UTF-8")
        elif len(row) != width:
            builder.bad(start, f"expected {width} fields (as in the header), found {len(row)}")
        else:
            builder.add(start, dict(zip(header, row, strict=True)))
        start = reader.line_num + 1
        seen_rows += 1
        if seen_rows % PROGRESS_EVERY_ROWS == 0:
            done = source.size * min(start, total_lines) // total_lines
            yield LoadProgress(done, source.size, builder.rows, len(builder.bad_lines))
    return blank


def _header(reader, source: Source, check_utf8: bool) -> list[str]:
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise LoadError(source.path, f"no readable header row ({exc or 'empty'})", 1) from None
    if check_utf8 and any(_UNDECODABLE.search(cell) for cell in header):
        raise LoadError(source.path, "invalid UTF-8 in the header row", 1)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise LoadError(source.path, f"the header repeats the column name '{name}'", 1)
        seen.add(name)
    return [name.strip() for name in header]
