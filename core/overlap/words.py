"""Word hashes for n-gram matching: the duplicate detector's words, with inner marks joined.

The same words as :mod:`core.dedup.words` (NFKC, case-folded, punctuation ignored; a word is a
run of ASCII letters, digits, underscores or non-ASCII letters), except that an apostrophe or
full stop *between* two word characters is dropped instead of splitting the word: "don't" and
"dont", "I'd" and "Id", "lottadigital.com" and "lottadigitalcom" stay one word each. Dropping
an apostrophe is a light edit, and splitting there would break every n-gram around it. This
holds in every text: one accented letter must not change how the rest of its text splits. The
marks are removed on the bytes of a whole block with numpy: a regular expression per text
cost two seconds per 100k prompts (every sentence ends in a full stop).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator, Sequence

import numpy as np

from core.dedup.words import BLOCK_BYTES

BASE = np.uint64(0x100000001B3)
BASE_INVERSE = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[[ord(c) for c in string.ascii_letters + string.digits + "_"]] = True
_WORD_BYTE[0x80:] = True
_JOINER = np.zeros(256, dtype=bool)
_JOINER[[ord("'"), ord(".")]] = True
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A") : ord("Z") + 1] += 32
#: A byte's term in the polynomial hash (lower-cased, plus one so a zero byte still counts).
_TERM = _LOWER.astype(np.uint64) + np.uint64(1)
#: The compiled path's table: a word byte's term, 0 for a byte that is not part of a word.
_WORD_TERM = np.where(_WORD_BYTE, _TERM, np.uint64(0))


#: A character that is neither ASCII nor a word character (\w): punctuation, symbols and
#: spacing of other scripts, blanked so that every non-ASCII byte left belongs to a word.
#: The ASCII range comes first: most characters stop there, before the Unicode look-up of
#: ``\w`` (2.5x faster on mostly-English text).
_FOREIGN_NON_WORD = re.compile(r"[^\x00-\x7f\w]")


def _encoded(text: str) -> bytes:
    """UTF-8 bytes the byte-level word rule reads as the words of ``text``.

    ASCII text is read as it is (lower-casing happens on the bytes). Other text is NFKC'd and
    case-folded first, and its non-ASCII punctuation, symbols and spaces are blanked, while
    ASCII punctuation stays: an apostrophe or full stop inside a word must join it whether or
    not the text has an accent elsewhere ("It's" in "It's a piñata" is one word, as in "It's
    a pinata"). A typographic apostrophe is a joiner like "'".
    """
    if text.isascii():
        return text.encode()
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return _FOREIGN_NON_WORD.sub(" ", folded).encode()


def word_hashes(texts: Sequence[str], kernels=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For consecutive blocks of ``texts``: every word's hash, and the word count per text.

    ``kernels`` (:func:`core.overlap.kernels.compiled`) hash in one compiled pass; None: numpy.
    """
    chars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(chars + 1)
    start = 0
    while start < len(texts):
        # Blocks of about BLOCK_BYTES characters (at least one text).
        stop = max(
            start + 1,
            int(np.searchsorted(ends, ends[start] - chars[start] - 1 + BLOCK_BYTES, side="right")),
        )
        block = texts[start:stop]
        # Each text encoded alone, then joined as bytes: one copy of the text, no transcoding
        # of a whole block because one text in it is not ASCII.
        encoded = list(map(str.encode, block))
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        # A text outside ASCII has more UTF-8 bytes than characters: only those are folded.
        for i in np.flatnonzero(lengths != chars[start:stop]).tolist():
            encoded[i] = _encoded(block[i])
            lengths[i] = len(encoded[i])
        yield _block_hashes(b" ".join(encoded), lengths, kernels)
        start = stop


def _block_hashes(
    joined: bytes, lengths: np.ndarray, kernels=None
) -> tuple[np.ndarray, np.ndarray]:
    """Word hashes of documents joined by a space (so no word crosses from one to the next)."""
    if kernels is not None:
        return kernels.word_hashes(
            np.frombuffer(joined + b" ", dtype=np.uint8), lengths, _WORD_TERM, _JOINER, BASE
        )
    return numpy_block_hashes(joined, lengths)


def numpy_block_hashes(joined: bytes, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_block_hashes` in numpy passes: the definition, and the path without numba."""
    data = np.frombuffer(joined + b" ", dtype=np.uint8)
    doc_starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    is_word = _WORD_BYTE[data]
    inner = np.flatnonzero(_JOINER[data[1:-1]] & is_word[:-2] & is_word[2:]) + 1
    if len(inner):
        keep = np.ones(len(data), dtype=bool)
        keep[inner] = False
        data, is_word = data[keep], is_word[keep]
        doc_starts = doc_starts - np.searchsorted(inner, doc_starts)
    edges = np.diff(is_word.astype(np.int8), prepend=np.int8(0))
    word_starts = np.flatnonzero(edges == 1)
    word_ends = np.flatnonzero(edges == -1)  # one past each word's last byte
    with np.errstate(over="ignore"):
        terms = _TERM[data]
        terms *= powers(BASE, len(data))
        prefix = np.cumsum(terms, out=terms)
        before = np.where(word_starts > 0, prefix[np.maximum(word_starts - 1, 0)], np.uint64(0))
        # Dividing by BASE**start makes a word's hash independent of where it stands.
        inverse = powers(BASE_INVERSE, len(data))[word_starts]
        hashes = (prefix[word_ends - 1] - before) * inverse
    counts = np.diff(np.searchsorted(word_starts, np.append(doc_starts, len(data))))
    return hashes, counts


_TABLES: dict[int, np.ndarray] = {}


def powers(base: np.uint64, n: int) -> np.ndarray:
    """``base ** i`` modulo 2**64 for i in 0..n-1, from a table shared by all blocks."""
    table = _TABLES.get(int(base))
    if table is None or len(table) < n:
        table = np.empty(max(n, BLOCK_BYTES * 2), dtype=np.uint64)
        table[:1] = 1
        table[1:] = base
        with np.errstate(over="ignore"):
            np.cumprod(table, out=table)
        table.flags.writeable = False
        _TABLES[int(base)] = table
    return table[:n]
