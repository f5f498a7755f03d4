"""Every record's original bytes, held as a few big buffers plus offsets, not one object each.

Export writes each kept record exactly as the source wrote it, so the loader keeps those bytes.
As a list of one ``bytes`` object per record that cost about 57 bytes a record on top of the
text (object header, list slot, allocator rounding: ~57 MB at 1M records), and a worker process
of the parallel loader had to send every line back to the parent. Here the bytes of a JSONL
file stay in the very chunks it was read in (the parent already holds them; a worker returns
only offsets), and a record with no text of its own in the file (a Parquet row, a record split
out of a self-instruct task) is packed into shared buffers. A row costs 20 bytes of offsets.

:class:`Originals` reads like a ``Sequence[bytes]``: ``originals[row]`` is the record's bytes,
slicing gives another :class:`Originals` over the same buffers, iteration and ``==`` work as on
a list (tests and callers compare and build plain lists too).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

#: A packed buffer of records without a span in the file is sealed at about this size.
PACK_BYTES = 8 << 20
#: Rows whose offsets :meth:`Originals.take` converts to Python ints at a time.
TAKE_BLOCK = 1 << 16


class Originals(Sequence[bytes]):
    """Row ``i``'s bytes are ``chunks[ids[i]][starts[i]:ends[i]]``."""

    __slots__ = ("_chunks", "_ends", "_ids", "_starts")

    def __init__(
        self, chunks: list[bytes], ids: np.ndarray, starts: np.ndarray, ends: np.ndarray
    ) -> None:
        self._chunks = chunks
        self._ids = ids
        self._starts = starts
        self._ends = ends

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, row: int) -> bytes: ...

    @overload
    def __getitem__(self, row: slice) -> Originals: ...

    def __getitem__(self, row: int | slice) -> bytes | Originals:
        if isinstance(row, slice):
            return Originals(self._chunks, self._ids[row], self._starts[row], self._ends[row])
        return self._chunks[self._ids[row]][self._starts[row] : self._ends[row]]

    def __iter__(self) -> Iterator[bytes]:
        return self._take(np.arange(len(self)))

    def take(self, rows: Iterable[int]) -> Iterator[bytes]:
        """The bytes of ``rows`` in that order.

        Export's fast path: the offsets are converted once, not as one numpy scalar per row.
        """
        picked = rows if isinstance(rows, np.ndarray) else np.fromiter(rows, dtype=np.int64)
        return self._take(picked)

    def _take(self, picked: np.ndarray) -> Iterator[bytes]:
        chunks = self._chunks
        for at in range(0, len(picked), TAKE_BLOCK):  # in blocks: no million Python ints at once
            block = picked[at : at + TAKE_BLOCK]
            ids = self._ids[block].tolist()
            starts = self._starts[block].tolist()
            ends = self._ends[block].tolist()
            for c, s, e in zip(ids, starts, ends, strict=True):
                yield chunks[c][s:e]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking sequence, compared by value

    def __repr__(self) -> str:
        return f"Originals({len(self)} records in {len(self._chunks)} buffers)"

    @property
    def nbytes(self) -> int:
        """Memory held: the buffers (each counted once) and the offsets."""
        held = {id(c): len(c) for c in self._chunks}
        return sum(held.values()) + self._ids.nbytes + self._starts.nbytes + self._ends.nbytes


class OriginalsBuilder:
    """Collects spans of registered chunks and loose records, in row order."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.ids = array("I")
        self.starts = array("q")
        self.ends = array("q")
        self._pack = bytearray()
        self._pack_id = -1

    def __len__(self) -> int:
        return len(self.ids)

    def add_chunk(self, blob: bytes) -> int:
        """Hold ``blob`` (a run of the file) and return its id for :meth:`add_spans`."""
        self.chunks.append(blob)
        return len(self.chunks) - 1

    def add_span(self, chunk: int, start: int, end: int) -> None:
        """One row whose bytes are ``chunks[chunk][start:end]``."""
        self.ids.append(chunk)
        self.starts.append(start)
        self.ends.append(end)

    def add_spans(self, chunk: int, starts: np.ndarray, ends: np.ndarray) -> None:
        """Many rows of one chunk (int64 offset arrays of equal length)."""
        self.ids.extend(array("I", [chunk]) * len(starts))
        self.starts.frombytes(starts.astype(np.int64, copy=False).tobytes())
        self.ends.frombytes(ends.astype(np.int64, copy=False).tobytes())

    def add(self, raw: bytes) -> None:
        """One row whose bytes exist nowhere else (packed with others into a shared buffer)."""
        if self._pack_id < 0 or len(self._pack) >= PACK_BYTES:
            self._seal()
            self._pack_id = self.add_chunk(b"")
        start = len(self._pack)
        self._pack += raw
        self.add_span(self._pack_id, start, start + len(raw))

    def _seal(self) -> None:
        if self._pack_id >= 0:
            self.chunks[self._pack_id] = bytes(self._pack)
            self._pack = bytearray()
            self._pack_id = -1

    def part(self, sent: int) -> tuple:
        """Everything so far as plain values for another process.

        Chunk ``sent`` (the run the parent sent) is not sent back: the parent still holds it.
        """
        self._seal()
        loose = [c if i != sent else b"" for i, c in enumerate(self.chunks)]
        return loose, sent, self.ids.tobytes(), self.starts.tobytes(), self.ends.tobytes()

    def merge(self, part: tuple, blob: bytes) -> None:
        """Append a worker's rows; its chunk ``sent`` is ``blob``, which this process holds."""
        self._seal()
        loose, sent, ids, starts, ends = part
        base = len(self.chunks)
        self.chunks += [blob if i == sent else c for i, c in enumerate(loose)]
        shifted = np.frombuffer(ids, dtype=np.uint32) + np.uint32(base)
        self.ids.frombytes(shifted.tobytes())
        self.starts.frombytes(starts)
        self.ends.frombytes(ends)

    def finish(self) -> Originals:
        """The rows collected, as :class:`Originals`."""
        self._seal()
        return Originals(
            self.chunks,
            np.frombuffer(self.ids, dtype=np.uint32).copy(),
            np.frombuffer(self.starts, dtype=np.int64).copy(),
            np.frombuffer(self.ends, dtype=np.int64).copy(),
        )
