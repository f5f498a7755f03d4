"""Compiled loops for the n-gram level: word hashing and reference look-ups, one pass each.

Why: the numpy version of these steps makes a dozen passes over every byte of the text and
binary-searches every window, which made the 13-gram level only about 5x a plain Python
n-gram-set script. A numba loop reads each byte once and probes a hash table once per window.
The results are bit-for-bit those of the numpy code in :mod:`core.overlap.words` and
:mod:`core.overlap.ngrams`, which stays as the fallback when numba is missing or cannot
compile here (a frozen build without a writable cache), and as the definition the tests
compare against.

numba comes with the embedding map's PaCMAP; the kernels compile on the first check of an
install (a few seconds) and load from numba's cache after that.
"""

from __future__ import annotations

import logging
import os
from functools import cache

import numpy as np

log = logging.getLogger(__name__)

#: Set to "0" to force the numpy path (tests compare both; a broken numba can be bypassed).
ENV_SWITCH = "THRESHER_NUMBA"
#: Top bits of a hash that index the screening bitmap (2**24 bits: 2 MB, stays in cache).
SCREEN_BITS = 24


#: Characters of text from which a check loads the kernels: importing numba and loading them
#: costs a second or two per process, more than the numpy path spends on a few MB of text.
MIN_CHARS = 2_000_000
#: Tests set True or False to force one path whatever the size.
FORCE: bool | None = None


def for_size(chars: int):
    """The kernels when ``chars`` of text make loading them worth it (or they are loaded)."""
    if FORCE is not None:
        return compiled() if FORCE else None
    if chars >= MIN_CHARS or compiled.cache_info().currsize:
        return compiled()
    return None


@cache
def compiled():
    """The compiled kernels as a namespace, or None when numba is not usable here."""
    if os.environ.get(ENV_SWITCH, "1") == "0":
        return None
    try:
        return _compile()
    except Exception as error:  # ImportError, or numba refusing to compile or cache
        log.warning("n-gram overlap: numba unavailable (%s); using the numpy path", error)
        return None


def _compile():
    import numba

    def jit(function):
        try:
            return numba.njit(cache=True, nogil=True)(function)
        except RuntimeError:  # no cache locator (e.g. a frozen build): compile per process
            return numba.njit(nogil=True)(function)

    def word_hashes(data, lengths, word_byte, joiner, term, base):
        """Every word's hash and the words per text; texts are joined by one space."""
        hashes = np.empty(len(data) // 2 + 1, np.uint64)
        counts = np.zeros(len(lengths), np.int64)
        words = 0
        position = 0
        for text in range(len(lengths)):
            end = position + lengths[text]
            inside = False
            value = np.uint64(0)
            power = np.uint64(1)
            for i in range(position, end):
                byte = data[i]
                if word_byte[byte]:
                    if not inside:
                        inside = True
                        value = np.uint64(0)
                        power = np.uint64(1)
                    value += term[byte] * power
                    power *= base
                elif inside and joiner[byte] and i + 1 < end and word_byte[data[i + 1]]:
                    continue  # an apostrophe or full stop inside a word is dropped
                elif inside:
                    hashes[words] = value
                    words += 1
                    counts[text] += 1
                    inside = False
            if inside:
                hashes[words] = value
                words += 1
                counts[text] += 1
            position = end + 1
        return hashes[:words], counts

    def build_table(distinct):
        """A hash table over distinct hashes (slot -> index + 1; 0: empty), and a bitmap.

        The 2 MB bitmap of the hashes' top bits turns most misses away before the larger
        table is touched.
        """
        bits = np.zeros(1 << (SCREEN_BITS - 6), np.uint64)
        shift = np.uint64(64 - SCREEN_BITS)
        for i in range(len(distinct)):
            top = distinct[i] >> shift
            bits[top >> np.uint64(6)] |= np.uint64(1) << (top & np.uint64(63))
        size = 1
        while size < 2 * len(distinct) + 2:
            size *= 2
        keys = np.zeros(size, np.uint64)
        slots = np.zeros(size, np.int64)
        mask = np.uint64(size - 1)
        for i in range(len(distinct)):
            slot = distinct[i] & mask
            while slots[slot] != 0:
                slot = (slot + np.uint64(1)) & mask
            keys[slot] = distinct[i]
            slots[slot] = i + 1
        return keys, slots, bits

    def windows(
        word_hash, counts, lengths, length_keys, base_powers, inverse_powers, keys, slots, bits
    ):
        """Hash every window of each wanted length and look it up: one pass per length.

        A window's hash is :meth:`core.overlap.ngrams._Block.grams`'s (a polynomial in its
        word hashes, from prefix sums, keyed by its length); a window running past its text's
        end is skipped. Returns the hits' start words, distinct-hash indices and lengths.
        """
        words = len(word_hash)
        prefix = np.zeros(words + 1, np.uint64)
        remaining = np.empty(words, np.int64)
        word = 0
        for text in range(len(counts)):
            for left in range(counts[text], 0, -1):
                remaining[word] = left
                word += 1
        for i in range(words):
            # splitmix64, as core.dedup.shingles.splitmix64 mixes them for the numpy path.
            mixed = word_hash[i] + np.uint64(0x9E3779B97F4A7C15)
            mixed = (mixed ^ (mixed >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            mixed = (mixed ^ (mixed >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            mixed = mixed ^ (mixed >> np.uint64(31))
            prefix[i + 1] = prefix[i] + mixed * base_powers[i]
        capacity = words * len(lengths)  # at most every window hits
        where = np.empty(capacity, np.int64)
        found = np.empty(capacity, np.int64)
        length = np.empty(capacity, np.int32)
        hits = 0
        mask = np.uint64(len(keys) - 1)
        shift = np.uint64(64 - SCREEN_BITS)
        for k in lengths:
            key = length_keys[k]
            for start in range(words - k + 1):
                if remaining[start] < k:
                    continue
                value = ((prefix[start + k] - prefix[start]) * inverse_powers[start]) ^ key
                top = value >> shift
                if not bits[top >> np.uint64(6)] & (np.uint64(1) << (top & np.uint64(63))):
                    continue
                slot = value & mask
                while slots[slot] != 0:
                    if keys[slot] == value:
                        where[hits] = start
                        found[hits] = slots[slot] - 1
                        length[hits] = k
                        hits += 1
                        break
                    slot = (slot + np.uint64(1)) & mask
        return where[:hits], found[:hits], length[:hits]

    class Kernels:
        pass

    kernels = Kernels()
    kernels.word_hashes = jit(word_hashes)
    kernels.build_table = jit(build_table)
    kernels.windows = jit(windows)
    # Compile (or load from the cache) now, so a failure falls back instead of failing a run.
    kernels.word_hashes(
        np.frombuffer(b"a b", np.uint8),
        np.array([1, 1]),
        np.ones(256, np.bool_),
        np.zeros(256, np.bool_),
        np.ones(256, np.uint64),
        np.uint64(3),
    )
    table = kernels.build_table(np.array([5, 9], np.uint64))
    ones = np.ones(4, np.uint64)
    fixed = ones.copy()
    fixed.flags.writeable = False  # the power tables are read-only: the same signature
    kernels.windows(ones, np.array([4]), np.array([2, 3]), ones, fixed, fixed, *table)
    return kernels
