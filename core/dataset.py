"""The loaded dataset: original records kept byte-for-byte, plus column arrays for the table.

Rows are addressed by their *source row* (0-based position among usable records). Row numbers
are not identities: anything that must survive an edited file (scores, decisions) is keyed by
``fingerprints`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import orjson

from core import schemas

#: How the ``locations`` of a format are counted, for messages.
LOCATION_KINDS = {"jsonl": "line", "csv": "line", "tsv": "line", "json": "record", "parquet": "row"}

#: Characters per token used for the approximate token counts (English prose averages ~4).
CHARS_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line (JSONL, CSV), record (JSON) or row (Parquet) that could not be used, and why.

    ``line`` is the 1-based physical line number for line-based formats and the 1-based record
    or row index otherwise, so a curator can find it in an editor.
    """

    line: int
    reason: str

    def to_dict(self) -> dict:
        """Return the JSON shape used by ``inspect --json``."""
        return {"line": self.line, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class LoadProgress:
    """A progress report yielded while a file loads."""

    bytes_done: int
    bytes_total: int
    records: int
    bad: int

    @property
    def fraction(self) -> float:
        """Progress in [0, 1]."""
        return min(1.0, self.bytes_done / self.bytes_total) if self.bytes_total else 1.0


@dataclass(eq=False)
class Dataset:
    """Every usable record of one file, normalised to prompt/response, with the load report."""

    path: Path
    format: str
    compressed: bool
    schema: str
    prompt_only: bool
    #: Each record's bytes as the source wrote them (a :class:`core.originals.Originals`).
    originals: Sequence[bytes]
    #: The texts, held as tuples (a list given is copied into one): see :meth:`__post_init__`.
    prompts: Sequence[str]
    responses: Sequence[str]
    locations: np.ndarray
    fingerprints: np.ndarray
    turns: np.ndarray
    row_schemas: np.ndarray
    spec: schemas.SchemaSpec
    bad_lines: list[BadLine] = field(default_factory=list)
    blank_lines: int = 0
    source_sha256: str = ""
    source_size: int = 0
    notes: list[str] = field(default_factory=list)
    #: The file's modification time when it was opened (0: unknown), to notice later changes.
    source_mtime_ns: int = 0

    def __post_init__(self) -> None:
        # Tuples, not lists. The garbage collector stops tracking a tuple of strings at its
        # first collection, while every full collection walks a list item by item holding the
        # GIL: ~30 ms per million texts here, a frozen window whenever any thread set one off
        # (benchmarks/bench_session.py counts them). Immutable suits them too: rows are
        # addressed by position for the whole session.
        self.prompts = tuple(self.prompts)
        self.responses = tuple(self.responses)
        n = len(self.prompts)
        self.prompt_chars = np.fromiter(map(len, self.prompts), dtype=np.int64, count=n)
        self.response_chars = np.fromiter(map(len, self.responses), dtype=np.int64, count=n)

    def __len__(self) -> int:
        return len(self.prompts)

    @property
    def location_kind(self) -> str:
        """``line``, ``record`` or ``row``: what :attr:`locations` and bad-line numbers count."""
        return LOCATION_KINDS[self.format]

    @cached_property
    def prompt_tokens(self) -> np.ndarray:
        """Approximate prompt token counts (characters / 4, rounded up).

        Computed once: the plots read it on every score update (at 1M rows a recomputation
        was 20 ms on the GUI thread, hundreds of times while scores streamed in).
        """
        return approx_tokens(self.prompt_chars)

    @cached_property
    def response_tokens(self) -> np.ndarray:
        """Approximate response token counts (characters / 4, rounded up), computed once."""
        return approx_tokens(self.response_chars)

    @cached_property
    def occurrences(self) -> np.ndarray:
        """For each row, how many earlier rows hold the same content (see :func:`occurrences`).

        Part of every decision's key. Computed once; the window asks for it on the loading
        worker, so opening a session at 1M rows does not sort on the GUI thread (~0.5 s).
        """
        return occurrences(self.fingerprints)

    def record(self, row: int) -> dict:
        """The original record of a source row, as it was read."""
        return orjson.loads(self.originals[row])

    def conversation(self, row: int) -> list[schemas.Turn]:
        """The record's turns for display: role-labelled text, response last."""
        name = schemas.SCHEMA_NAMES[int(self.row_schemas[row])]
        return schemas.conversation(self.record(row), name, self.spec)

    def fingerprint_hex(self, row: int) -> str:
        """The record's fingerprint as 32 hex digits."""
        return bytes(self.fingerprints[row]).hex()

    def schema_counts(self) -> dict[str, int]:
        """How many rows each schema matched (more than one entry for a mixed file)."""
        codes, counts = np.unique(self.row_schemas, return_counts=True)
        return {schemas.SCHEMA_NAMES[int(c)]: int(k) for c, k in zip(codes, counts, strict=True)}


def approx_tokens(chars: np.ndarray) -> np.ndarray:
    """A cheap token estimate from character counts, good enough for sorting and budgets."""
    return (chars + (CHARS_PER_TOKEN - 1)) // CHARS_PER_TOKEN


def occurrences(fingerprints: np.ndarray) -> np.ndarray:
    """For each row, how many earlier rows have the same fingerprint.

    Fingerprints whose width is a multiple of 8 bytes are grouped as columns of ``uint64``
    with one stable ``lexsort`` (at 1M rows several times faster than ``np.unique`` on the
    byte strings); within a group the rows stay in file order, so a row's rank is its count.
    """
    n = len(fingerprints)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    width = fingerprints.dtype.itemsize
    if width % 8:
        _, inverse = np.unique(fingerprints, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        grouped = inverse[order]
        new_group = np.r_[True, grouped[1:] != grouped[:-1]]
    else:
        words = np.ascontiguousarray(fingerprints).view(np.uint64).reshape(n, width // 8)
        order = np.lexsort(words.T[::-1])
        ordered = words[order]
        new_group = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
    starts = np.flatnonzero(new_group)
    first_of_group = np.repeat(starts, np.diff(np.r_[starts, n]))
    result = np.empty(n, dtype=np.int64)
    result[order] = np.arange(n) - first_of_group
    return result
