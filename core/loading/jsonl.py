r"""Read JSON Lines: split on ``\n`` only, strict UTF-8 and JSON, every bad line reported.

Lines are split on the byte ``\n`` and nothing else: U+2028, U+0085 and the other separators
that ``str.splitlines`` honours may appear inside strings and must not cut a record. A BOM at
the start of the file and ``\r\n`` endings are accepted.

Clean lines go through in batches (one list comprehension per step); a batch with anything
unusual in it (a parse error, a possible repeated key) is redone line by line, so the common
case runs at the parser's speed and the rare case still gets an exact reason per line.
"""

from __future__ import annotations

from collections.abc import Generator

import orjson

from core.dataset import LoadProgress
from core.loading.builder import DatasetBuilder
from core.loading.detect import UTF8_BOM
from core.loading.duplicate_keys import may_repeat_keys, repeated_key
from core.loading.json_errors import json_error_reason
from core.loading.source import Source

CHUNK_BYTES = 8 << 20
BATCH_LINES = 2048
#: A line longer than this is reported and skipped instead of being held in memory.
MAX_LINE_BYTES = 64 << 20


def read_jsonl(source: Source, builder: DatasetBuilder) -> Generator[LoadProgress, None, int]:
    """Feed every line of ``source`` to ``builder``; yields progress, returns blank lines."""
    line_no = 0
    blank = 0
    carry = b""
    skipping = False
    first = True
    while chunk := source.read(CHUNK_BYTES):
        if first:
            chunk = chunk.removeprefix(UTF8_BOM)
            first = False
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                continue
            chunk = chunk[cut + 1:]
            line_no += 1
            skipping = False
        lines = (carry + chunk).split(b"\n") if carry else chunk.split(b"\n")
        carry = lines.pop()
        blank += _take_lines(lines, line_no + 1, builder)
        line_no += len(lines)
        if len(carry) > MAX_LINE_BYTES:
            builder.bad(line_no + 1, f"line longer than {MAX_LINE_BYTES >> 20} MB, skipped")
            carry = b""
            skipping = True
        yield LoadProgress(source.bytes_done, source.size, builder.rows, len(builder.bad_lines))
    if carry and not skipping:
        blank += _take_lines([carry], line_no + 1, builder)
    return blank


def _take_lines(lines: list[bytes], first_line: int, builder: DatasetBuilder) -> int:
    """Parse a run of complete lines numbered from ``first_line``; returns blank lines."""
    if any(b"\r" in line for line in lines[:1]) or b"\r" in b"".join(lines[-1:]):
        lines = [line[:-1] if line[-1:] == b"\r" else line for line in lines]
    blank = 0
    for start in range(0, len(lines), BATCH_LINES):
        batch = lines[start:start + BATCH_LINES]
        number = first_line + start
        if not _take_clean_batch(batch, number, builder):
            blank += sum(_take_line(line, number + i, builder) for i, line in enumerate(batch))
    return blank


def _take_clean_batch(batch: list[bytes], first_line: int, builder: DatasetBuilder) -> bool:
    """Add a batch if every line is a JSON object with no possible repeated key."""
    try:
        records = [orjson.loads(line) for line in batch]
    except orjson.JSONDecodeError:
        return False
    if set(map(type, records)) != {dict}:
        return False
    # Every key is followed by its own colon, so a line with no more colons than the parsed
    # record has keys cannot repeat one. Others (colons in text, nested objects) are screened.
    colons = [line.count(b":") for line in batch]
    suspects = [i for i, (c, r) in enumerate(zip(colons, records, strict=True)) if c != len(r)]
    if any(may_repeat_keys(batch[i], records[i]) for i in suspects):
        return False
    builder.add_batch(list(range(first_line, first_line + len(batch))), records, batch)
    return True


def _take_line(line: bytes, number: int, builder: DatasetBuilder) -> int:
    """Parse one line with an exact reason on failure; returns 1 if it was blank."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if not line.strip():
            return 1
        builder.bad(number, json_error_reason(exc, line))
        return 0
    if may_repeat_keys(line, record):
        key = repeated_key(line)
        if key is not None:
            builder.bad(number, f"repeated key '{key}': the record is ambiguous")
            return 0
    builder.add(number, record, line)
    return 0
