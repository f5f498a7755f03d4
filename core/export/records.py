"""Record files (JSONL): written atomically, then re-read and checked before they replace anything.

Each line is the record exactly as it was read (its original bytes for JSONL sources), so a
curated file differs from its source only by the rows left out. Before the temporary file may
replace the target it is read back: every line must parse as a JSON object with the strict
parser, the count must match and the SHA-256 must equal the one computed while writing. A
file that fails any of these never reaches the target path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import orjson

from core.atomic import Replace, atomic_write
from core.errors import ThresherError


class VerificationError(ThresherError):
    """A written file did not read back as what was written."""


def write_jsonl(
    path: Path, lines: Iterable[bytes], expected: int, replace: Replace = atomic_write
) -> str:
    """Write ``lines`` (one JSON object each, no newline) to ``path``; returns the SHA-256.

    ``replace``: how the verified file takes ``path``'s place (an export's
    :meth:`AtomicGroup.write`, so that its files change together).
    """
    digest = hashlib.sha256()

    def write(handle: BinaryIO) -> None:
        for line in lines:
            data = line + b"\n"
            handle.write(data)
            digest.update(data)

    def verify(temp: Path) -> None:
        verify_jsonl(temp, expected, digest.hexdigest())

    replace(path, write, verify)
    return digest.hexdigest()


#: Bytes read back at a time. One read and one ``split`` of a whole export held the GIL for
#: the split (about a second of frozen window for 387 MB); a chunk's split is milliseconds.
READ_BYTES = 1 << 23


def verify_jsonl(path: Path, expected: int, sha256: str) -> None:
    """Raise :class:`VerificationError` unless ``path`` reads back as what was written.

    That is: it hashes to ``sha256`` and holds ``expected`` lines, each a strict JSON object.
    The file is read in chunks; the checks are reported in that order (a changed file is
    reported as changed, not by the first line it broke).
    """
    digest = hashlib.sha256()
    count = 0
    bad: tuple[int, str] | None = None  # the first line that is not a JSON object
    # The pieces of a line still open at a chunk's end, joined once its newline comes: adding
    # each chunk to the open line would copy a 400 MB record ~50 times (quadratic).
    open_line: list[bytes] = []
    with path.open("rb") as handle:
        while chunk := handle.read(READ_BYTES):
            digest.update(chunk)
            lines = chunk.split(b"\n")
            if len(lines) > 1:
                lines[0] = b"".join([*open_line, lines[0]])
                open_line = []
            open_line.append(lines.pop())
            for line in lines:
                count += 1
                if bad is None:
                    bad = _not_an_object(line, count)
    rest = b"".join(open_line)
    if digest.hexdigest() != sha256:
        raise VerificationError(
            f"{path}: the file read back differs from what was written "
            "(SHA-256 mismatch); the export was not saved"
        )
    if rest:
        raise VerificationError(f"{path}: the last line is incomplete")
    if count != expected:
        raise VerificationError(f"{path}: read back {count:,} records, expected {expected:,}")
    if bad is not None:
        number, reason = bad
        raise VerificationError(f"{path}, line {number}: {reason}")


def _not_an_object(line: bytes, number: int) -> tuple[int, str] | None:
    """Why ``line`` is not a strict JSON object, or None if it is one."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return number, f"not valid JSON ({exc})"
    if not isinstance(value, dict):
        return number, "not a JSON object"
    return None
