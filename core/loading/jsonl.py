r"""Read JSON Lines: split on ``\n`` only, strict UTF-8 and JSON, every bad line reported.

Lines are split on the byte ``\n`` and nothing else: U+2028, U+0085 and the other separators
that ``str.splitlines`` honours may appear inside strings and must not cut a record. A BOM at
the start of the file and ``\r\n`` endings are accepted.

Clean lines go through in batches (one list comprehension per step); a batch with anything
unusual in it (a parse error, a possible repeated key) is redone line by line, so the common
case runs at the parser's speed and the rare case still gets an exact reason per line.

A record's original bytes are not copied out: each run of lines is kept whole by the builder
and a row holds the offsets of its line in it (:mod:`core.originals`), without the ``\r`` of a
CRLF ending.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import orjson

from core.dataset import LoadProgress
from core.loading.builder import DatasetBuilder
from core.loading.detect import UTF8_BOM
from core.loading.duplicate_keys import key_ends, may_repeat_keys, repeated_key
from core.loading.json_errors import json_error_reason
from core.loading.jsonl_pool import RunPool, pool_workers
from core.loading.source import Source

CHUNK_BYTES = 8 << 20
BATCH_LINES = 2048
#: A line longer than this is reported and skipped instead of being held in memory.
MAX_LINE_BYTES = 64 << 20


def read_jsonl(source: Source, builder: DatasetBuilder) -> Generator[LoadProgress, None, int]:
    """Feed every line of ``source`` to ``builder``; yields progress, returns blank lines.

    A big file is parsed by a pool of worker processes once the schema is known (see
    :mod:`core.loading.jsonl_pool`); runs of lines go out and come back in file order, so rows
    and line numbers are the same as a single pass would give.
    """
    blank = 0
    workers = pool_workers(source)
    pool = RunPool(workers) if workers > 1 else None
    try:
        for blob, first_line, count in _runs(source, builder):
            if pool is not None and not pool.started and builder.settled:
                pool.start(builder)
            if pool is None or not pool.started:
                if count:
                    blank += take_lines(blob, first_line, builder)
            else:
                if count:
                    pool.submit(blob, first_line)
                blank += pool.collect(builder, wait=False)
            yield LoadProgress(source.bytes_done, source.size, builder.rows, len(builder.bad_lines))
        if pool is not None:
            blank += pool.collect(builder, wait=True)
    finally:
        if pool is not None:
            pool.close()
    return blank


def _runs(source: Source, builder: DatasetBuilder) -> Generator[tuple[bytes, int, int], None, None]:
    """Runs of complete lines as ``(bytes, first line number, line count)``, one per chunk read.

    A chunk with no line end yields an empty run (count 0) so progress still moves. A line
    longer than :data:`MAX_LINE_BYTES` is reported to ``builder`` and skipped.
    """
    line_no = 0
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
                yield b"", line_no + 1, 0
                continue
            chunk = chunk[cut + 1 :]
            line_no += 1
            skipping = False
        cut = chunk.rfind(b"\n")  # the carry holds no line end: it is what followed the last
        if cut < 0:
            carry += chunk
            yield b"", line_no + 1, 0
        else:
            # One copy of the chunk, not two (carry + chunk, then the run out of that).
            blob = b"".join((carry, memoryview(chunk)[:cut])) if carry else chunk[:cut]
            carry = chunk[cut + 1 :]
            count = blob.count(b"\n") + 1
            yield blob, line_no + 1, count
            line_no += count
        if len(carry) > MAX_LINE_BYTES:
            builder.bad(line_no + 1, f"line longer than {MAX_LINE_BYTES >> 20} MB, skipped")
            carry = b""
            skipping = True
    if carry and not skipping:
        yield carry, line_no + 1, 1


def take_lines(blob: bytes, first_line: int, builder: DatasetBuilder) -> int:
    """Parse a run of complete lines numbered from ``first_line``; returns blank lines."""
    chunk = builder.originals.add_chunk(blob)
    lines = blob.split(b"\n")
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    ends = np.cumsum(lengths + 1) - 1
    starts = ends - lengths
    if b"\r" in blob:  # a CRLF line's \r is its line ending, not part of the record
        last = np.frombuffer(blob, dtype=np.uint8)[np.maximum(ends - 1, 0)]
        ends -= (lengths > 0) & (last == 13)
    blank = 0
    for start in range(0, len(lines), BATCH_LINES):
        stop = start + BATCH_LINES
        batch = lines[start:stop]
        number = first_line + start
        at, to = starts[start:stop], ends[start:stop]
        if not _take_clean_batch(batch, number, builder, chunk, at, to):
            blank += sum(
                _take_line(line, number + i, builder, (chunk, int(at[i]), int(to[i])))
                for i, line in enumerate(batch)
            )
    return blank


def _take_clean_batch(
    batch: list[bytes],
    first_line: int,
    builder: DatasetBuilder,
    chunk: int,
    starts: np.ndarray,
    ends: np.ndarray,
) -> bool:
    """Add a batch if every line is a JSON object with no possible repeated key."""
    try:
        records = [orjson.loads(line) for line in batch]
    except orjson.JSONDecodeError:
        return False
    if set(map(type, records)) != {dict}:
        return False
    if any(repeated_key(batch[i]) is not None for i in _suspects(batch, records)):
        return False
    builder.add_batch(first_line, records, chunk, starts, ends)
    return True


def _suspects(batch: list[bytes], records: list[dict]) -> list[int]:
    """Indices of the lines that may repeat a key, found by bisecting the batch.

    Every written key ends in a quote and its own colon, so when a run of lines has no more
    colons (or, finer, unescaped quote-colons) than the keys parsed, nothing in it repeated.
    Top-level keys are a lower bound on the keys parsed, which keeps the screen safe. Real
    text trips the count for a handful of lines per 100k (a value opening with a colon), so
    halving finds those few without screening every line one by one.
    """
    found: list[int] = []
    stack = [(0, len(batch))]
    while stack:
        lo, hi = stack.pop()
        blob = b"\n".join(batch[lo:hi])
        keys = sum(map(len, records[lo:hi]))
        if blob.count(b":") <= keys or key_ends(blob) <= keys:
            continue
        if hi - lo <= 8:
            found += [i for i in range(lo, hi) if may_repeat_keys(batch[i], records[i])]
        else:
            mid = (lo + hi) // 2
            stack += [(lo, mid), (mid, hi)]
    return found


def _take_line(
    line: bytes, number: int, builder: DatasetBuilder, span: tuple[int, int, int]
) -> int:
    """Parse one line with an exact reason on failure; returns 1 if it was blank."""
    line = line.removesuffix(b"\r")
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
    builder.add(number, record, span)
    return 0
