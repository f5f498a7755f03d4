"""Word hashes for whole columns of text, without one Python object per word.

Splitting 100k documents into words and factorising ten million Python strings costs seconds;
the MinHash itself (rensa) costs a tenth of a second. So words are found and hashed with numpy
over the UTF-8 bytes of a block of documents: a byte is part of a word when it is an ASCII
letter, digit or underscore, or any non-ASCII byte (letters of other scripts; punctuation
outside ASCII is blanked first). Each word's hash is a polynomial hash of its bytes taken from
prefix sums, so a word of any length costs the same.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator, Sequence

import numpy as np

#: Bytes per block of documents: bounds the temporary arrays to a few tens of megabytes.
BLOCK_BYTES = 1 << 20
_BASE = np.uint64(0x100000001B3)  # the FNV prime: odd, so invertible mod 2**64
_BASE_INVERSE = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_NON_ASCII_PUNCT = re.compile(r"[^\w\s]")
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[[ord(c) for c in string.ascii_letters + string.digits + "_"]] = True
_WORD_BYTE[0x80:] = True
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A") : ord("Z") + 1] += 32


def fold(text: str) -> str:
    """What words are compared on: NFKC, case-folded, punctuation of any script ignored.

    ASCII text is NFKC-stable and its case folding is plain lowering, which
    :func:`word_hashes` does on the bytes, so it skips this step (``str.isascii`` is O(1)).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return text if text.isascii() else _NON_ASCII_PUNCT.sub(" ", text)


def _encoded(text: str) -> bytes:
    return text.encode() if text.isascii() else fold(text).encode()


def word_hashes(texts: Sequence[str] | np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For consecutive blocks of ``texts``: the hash of every word, and the word count per text.

    Blocks follow the order of ``texts``; concatenated, they give each text's words in order.
    """
    start = 0
    while start < len(texts):
        encoded: list[bytes] = []
        size = 0
        while start + len(encoded) < len(texts) and (size < BLOCK_BYTES or not encoded):
            data = _encoded(texts[start + len(encoded)])
            encoded.append(data)
            size += len(data) + 1
        start += len(encoded)
        yield _block_hashes(encoded)


def _block_hashes(encoded: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    # Documents are joined by a space, so no word crosses from one to the next.
    data = _LOWER[np.frombuffer(b" ".join(encoded) + b" ", dtype=np.uint8)]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    doc_starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))

    is_word = _WORD_BYTE[data]
    edges = np.diff(is_word.astype(np.int8), prepend=np.int8(0))
    word_starts = np.flatnonzero(edges == 1)
    word_ends = np.flatnonzero(edges == -1)  # one past each word's last byte

    with np.errstate(over="ignore"):
        powers = _powers(_BASE, len(data))
        prefix = np.cumsum((data.astype(np.uint64) + np.uint64(1)) * powers, dtype=np.uint64)
        before = np.where(word_starts > 0, prefix[np.maximum(word_starts - 1, 0)], np.uint64(0))
        # Dividing by BASE**start makes a word's hash independent of where it stands.
        inverse = _powers(_BASE_INVERSE, len(data))[word_starts]
        hashes = (prefix[word_ends - 1] - before) * inverse
    counts = np.diff(np.searchsorted(word_starts, np.append(doc_starts, len(data))))
    return hashes, counts


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """``base ** i`` modulo 2**64 for i in 0..n-1 (read-only; blocks share one table)."""
    table = _POWER_TABLES.get(int(base))
    if table is None or len(table) < n:
        table = _compute_powers(base, max(n, BLOCK_BYTES * 2))
        table.flags.writeable = False
        _POWER_TABLES[int(base)] = table
    return table[:n]


_POWER_TABLES: dict[int, np.ndarray] = {}


def _compute_powers(base: np.uint64, n: int) -> np.ndarray:
    powers = np.empty(n, dtype=np.uint64)
    powers[:1] = 1
    powers[1:] = base
    with np.errstate(over="ignore"):
        return np.cumprod(powers, out=powers)  # wraps modulo 2**64, as intended
