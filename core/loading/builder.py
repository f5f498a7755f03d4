"""Collect parsed records into a :class:`core.dataset.Dataset`, one row or bad line at a time.

Readers hand every parsed record (or the reason it could not be parsed) to a builder; the
builder detects the schema on the first records, normalises each record, fingerprints it and
keeps the original bytes for export (:mod:`core.originals`: spans of the chunks the file was
read in, not one object per record). Every record either becomes a row or a bad line: nothing
is dropped without a reason.
"""

from __future__ import annotations

import base64
from array import array
from decimal import Decimal
from hashlib import blake2b
from pathlib import Path

import numpy as np
import orjson

from core import schemas
from core.dataset import BadLine, Dataset
from core.originals import OriginalsBuilder

FINGERPRINT_BYTES = 16
#: A record's source text: its bytes, a span ``(chunk, start, end)`` of a held chunk, or None
#: (the record is written out with orjson when it has no text of its own).
Raw = bytes | tuple[int, int, int] | None
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def json_value(value: object) -> object:
    r"""How a value JSON has no type for is written into an exported record.

    Parquet can hold what JSON cannot: bytes become their base64 text (RFC 4648, the usual
    JSON convention; ``str()`` would write ``"b'\x00'"``), a decimal stays a number with its
    exact digits, anything else its text. Dates and times are written by orjson as RFC 3339.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value).encode("ascii"))
    return str(value)


def fingerprint(record: dict) -> bytes:
    """A stable content hash of a record: key order and whitespace do not change it."""
    return blake2b(
        orjson.dumps(record, option=_CANONICAL, default=str), digest_size=FINGERPRINT_BYTES
    ).digest()


def describe_value(value: object) -> str:
    """How a non-object top-level JSON value is named in a bad-line reason."""
    names = {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


class DatasetBuilder:
    """Accumulates rows for one file; call :meth:`add` per record, then :meth:`finish`."""

    def __init__(
        self, path: Path, fmt: str, compressed: bool, mapping: schemas.ColumnMapping | None = None
    ):
        self.path = path
        self.format = fmt
        self.compressed = compressed
        self.mapping = mapping
        self.spec: schemas.SchemaSpec | None = None
        self._pending: list[tuple[int, object, Raw]] = []
        self._normalise: schemas.Normaliser | None = None
        self.originals = OriginalsBuilder()
        self.prompts: list[str] = []
        self.responses: list[str] = []
        # Typed arrays, not lists of ints: 8 (or 4) bytes a row instead of ~36 while loading.
        self.locations = array("q")
        self.turns = array("i")
        self.codes = bytearray()
        self.fingerprints = bytearray()
        self.bad_lines: list[BadLine] = []
        self.notes: list[str] = []

    @property
    def rows(self) -> int:
        """Rows accepted so far (pending detection included)."""
        return len(self.prompts) + len(self._pending)

    def bad(self, location: int, reason: str) -> None:
        """Record an unusable line, record or row."""
        self.bad_lines.append(BadLine(location, reason))

    def add(self, location: int, record: object, raw: Raw = None) -> None:
        """Add one parsed record; ``raw`` is its exact source text when the format has one.

        ``raw`` is bytes, or a span ``(chunk, start, end)`` of a chunk given to
        ``originals.add_chunk``.
        """
        if self._normalise is None:
            self._pending.append((location, record, raw))
            if len(self._pending) >= schemas.DETECTION_SAMPLE:
                self._settle()
            return
        self._accept(location, record, raw)

    def add_batch(
        self, first_line: int, records: list, chunk: int, starts: np.ndarray, ends: np.ndarray
    ) -> None:
        """Add consecutive lines at once: the fast path for clean runs of a big file.

        Line ``first_line + i`` parsed to ``records[i]`` from ``chunk[starts[i]:ends[i]]``.
        Falls back to :meth:`add` per record when the batch holds anything unusual (a record
        that is not an object, one the schema does not fit, pending schema detection).
        """
        if (
            self._normalise is None
            or self.spec is None
            or self.spec.instances
            or set(map(type, records)) != {dict}
        ):
            for i, record in enumerate(records):
                self.add(first_line + i, record, (chunk, int(starts[i]), int(ends[i])))
            return
        try:
            pairs = list(map(self._normalise, records))
        except schemas.RowError:
            for i, record in enumerate(records):
                self._accept(first_line + i, record, (chunk, int(starts[i]), int(ends[i])))
            return
        self.originals.add_spans(chunk, starts, ends)
        prompts, responses, turns = zip(*pairs, strict=True)
        self.prompts += prompts
        self.responses += responses
        self.turns.extend(turns)
        self.locations.extend(range(first_line, first_line + len(records)))
        self.codes += bytes((self._code,)) * len(records)
        # fingerprint() inlined: this line runs a million times in a large load.
        self.fingerprints += b"".join(
            [
                blake2b(
                    orjson.dumps(record, option=_CANONICAL, default=str),
                    digest_size=FINGERPRINT_BYTES,
                ).digest()
                for record in records
            ]
        )

    @property
    def settled(self) -> bool:
        """Whether the schema is chosen, so records are accepted as they come."""
        return self._normalise is not None

    def preset(self, spec: schemas.SchemaSpec) -> None:
        """Use a schema another builder detected (a worker parsing part of the same file)."""
        self.spec = spec
        self._normalise = schemas.normaliser(spec)
        self._code = spec.code

    def part(self, sent: int) -> tuple:
        """Everything accepted so far, as plain values a worker process can send back.

        Rows whose bytes lie in chunk ``sent`` (the run the parent sent) come back as offsets.
        """
        return (
            self.originals.part(sent),
            self.prompts,
            self.responses,
            self.locations.tobytes(),
            self.turns.tobytes(),
            bytes(self.codes),
            bytes(self.fingerprints),
            [(b.line, b.reason) for b in self.bad_lines],
        )

    def merge(self, part: tuple, blob: bytes) -> None:
        """Append what :meth:`part` returned for the run ``blob``, after every row held."""
        originals, prompts, responses, locations, turns, codes, fingerprints, bad = part
        self.originals.merge(originals, blob)
        self.prompts += prompts
        self.responses += responses
        self.locations.frombytes(locations)
        self.turns.frombytes(turns)
        self.codes += codes
        self.fingerprints += fingerprints
        self.bad_lines += [BadLine(line, reason) for line, reason in bad]

    def _settle(self) -> None:
        """Choose the schema from the pending records, then accept them."""
        sample = [r for _, r, _ in self._pending if type(r) is dict]
        if self.mapping is not None:
            self.spec = schemas.spec_for_mapping(self.mapping, sample)
        else:
            self.spec = schemas.detect(sample)
        self._normalise = schemas.normaliser(self.spec)
        self._code = self.spec.code
        pending, self._pending = self._pending, []
        for location, record, raw in pending:
            self._accept(location, record, raw)

    def _accept(self, location: int, record: object, raw: Raw) -> None:
        if type(record) is not dict:
            self.bad(location, f"not a JSON object (got {describe_value(record)})")
            return
        # Records are accepted only once the schema is settled (see add, _settle, preset).
        assert self.spec is not None and self._normalise is not None
        if self.spec.instances:
            self._accept_instances(location, record, raw)
            return
        code = self._code
        try:
            prompt, response, turns = self._normalise(record)
        except schemas.RowError as exc:
            fallback = schemas.fallback_normaliser(record) if self.mapping is None else None
            if fallback is None:
                self.bad(location, str(exc))
                return
            (prompt, response, turns), code = fallback
        self._append(location, record, raw, prompt, response, turns, code)

    def _accept_instances(self, location: int, record: dict, raw: Raw) -> None:
        """One row per self-instruct instance; a one-instance record keeps its exact text."""
        assert self.spec is not None and self._normalise is not None  # only from _accept
        normalise = self._normalise
        try:
            pieces = schemas.expand_instances(record)
            rows = [(normalise(flat), original) for flat, original in pieces]
        except schemas.RowError as exc:
            self.bad(location, str(exc))
            return
        exact = raw if len(rows) == 1 else None
        for (prompt, response, turns), original in rows:
            self._append(location, original, exact, prompt, response, turns, self.spec.code)

    def _append(
        self,
        location: int,
        record: dict,
        raw: Raw,
        prompt: str,
        response: str,
        turns: int,
        code: int,
    ) -> None:
        if isinstance(raw, tuple):
            self.originals.add_span(*raw)
        else:
            self.originals.add(raw if raw is not None else orjson.dumps(record, default=json_value))
        self.prompts.append(prompt)
        self.responses.append(response)
        self.locations.append(location)
        self.turns.append(turns)
        self.codes.append(code)
        self.fingerprints += fingerprint(record)

    def finish(self, *, sha256: str, size: int, blank_lines: int = 0) -> Dataset:
        """Settle any pending records and return the dataset."""
        if self._normalise is None:
            if any(type(r) is dict for _, r, _ in self._pending) or self.mapping is not None:
                self._settle()
            else:
                for location, record, _raw in self._pending:
                    self.bad(location, f"not a JSON object (got {describe_value(record)})")
                self.spec = schemas.SchemaSpec("prompt_response", ("prompt",), "response")
                self.notes.append("the file holds no usable records")
        spec = self.spec
        assert spec is not None  # _settle() or the fallback above has chosen one
        self.bad_lines.sort(key=lambda b: b.line)
        if spec.prompt_only:
            self.notes.append(
                "prompt-only file: the records have no responses, so they cannot be scored"
            )
        return Dataset(
            path=self.path,
            format=self.format,
            compressed=self.compressed,
            schema=spec.name,
            prompt_only=spec.prompt_only,
            originals=self.originals.finish(),
            prompts=self.prompts,
            responses=self.responses,
            locations=np.frombuffer(self.locations, dtype=np.int64),
            fingerprints=np.frombuffer(bytes(self.fingerprints), dtype=f"S{FINGERPRINT_BYTES}"),
            turns=np.frombuffer(self.turns, dtype=np.int32),
            row_schemas=np.frombuffer(bytes(self.codes), dtype=np.uint8),
            spec=spec,
            bad_lines=self.bad_lines,
            blank_lines=blank_lines,
            source_sha256=sha256,
            source_size=size,
            notes=self.notes,
        )
