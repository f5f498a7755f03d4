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

from core.atomic import atomic_write
from core.errors import ThresherError


class VerificationError(ThresherError):
    """A written file did not read back as what was written."""


def write_jsonl(path: Path, lines: Iterable[bytes], expected: int) -> str:
    """Write ``lines`` (one JSON object each, no newline) to ``path``; returns the SHA-256."""
    digest = hashlib.sha256()

    def write(handle: BinaryIO) -> None:
        for line in lines:
            data = line + b"\n"
            handle.write(data)
            digest.update(data)

    def verify(temp: Path) -> None:
        verify_jsonl(temp, expected, digest.hexdigest())

    atomic_write(path, write, verify)
    return digest.hexdigest()


def verify_jsonl(path: Path, expected: int, sha256: str) -> None:
    """Raise :class:`VerificationError` unless ``path`` reads back as what was written.

    That is: it hashes to ``sha256`` and holds ``expected`` lines, each a strict JSON object.
    """
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise VerificationError(
            f"{path}: the file read back differs from what was written "
            "(SHA-256 mismatch); the export was not saved"
        )
    lines = data.split(b"\n")
    if lines[-1] != b"":
        raise VerificationError(f"{path}: the last line is incomplete")
    lines.pop()
    if len(lines) != expected:
        raise VerificationError(f"{path}: read back {len(lines):,} records, expected {expected:,}")
    for number, line in enumerate(lines, 1):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise VerificationError(f"{path}, line {number}: not valid JSON ({exc})") from exc
        if not isinstance(value, dict):
            raise VerificationError(f"{path}, line {number}: not a JSON object")
