"""Compiled loops for the n-gram level: word hashing, then look-ups and each row's best match.

Why: the numpy version of these steps makes a dozen passes over every byte of the text,
binary-searches every window and sorts every hit of a block, which made the 13-gram level only
about 5x a plain Python n-gram-set script. A numba loop reads each byte once, probes a hash
table once per window and picks each row's best reference record from that row's few hits.
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

    def word_hashes(data, lengths, term, joiner, base):
        """Every word's hash and the words per text; each text is followed by one space.

        ``term``: a byte's term in the hash, 0 for a byte that is not part of a word. A word
        is open while ``power`` is not 1; the space after each text closes its last word.
        The loop has no branch on word or space (the mask does it: 25% faster than
        branching at every word's start and end); the joiner test is rarely true.
        """
        hashes = np.empty(len(data) // 2 + 2, np.uint64)  # a slot past the last word
        counts = np.zeros(len(lengths), np.int64)
        one = np.uint64(1)
        words = 0
        position = 0
        for text in range(len(lengths)):
            end = position + lengths[text]
            first = words
            value = np.uint64(0)
            power = one
            for i in range(position, end + 1):
                byte = data[i]
                term_ = term[byte]
                if joiner[byte] and power != one and i + 1 < end and term[data[i + 1]] != 0:
                    continue  # an apostrophe or full stop inside a word is dropped
                word = np.uint64(0) - np.uint64(term_ != 0)  # all ones in a word, else 0
                hashes[words] = value  # kept only when this byte ends a word
                words += (term_ == 0) & (power != one)
                value = (value + term_ * power) & word
                power = ((power * base) & word) | (~word & one)
            counts[text] = words - first
            position = end + 1
        return hashes[:words], counts

    def order_runs(hashes, owners):
        """Hashes sorted, owners in any order: each run's owners sorted, repeats dropped.

        Works in place and returns how many (hash, owner) pairs are kept: numpy's unstable
        argsort by hash and this one pass replace a two-key lexsort (4x slower).
        """
        kept = 0
        i = 0
        while i < len(hashes):
            j = i + 1
            while j < len(hashes) and hashes[j] == hashes[i]:
                j += 1
            if j - i > 32:
                owners[i:j] = np.sort(owners[i:j])
            else:
                for m in range(i + 1, j):
                    owner = owners[m]
                    k = m
                    while k > i and owners[k - 1] > owner:
                        owners[k] = owners[k - 1]
                        k -= 1
                    owners[k] = owner
            previous = -1
            for m in range(i, j):
                if owners[m] != previous:
                    hashes[kept] = hashes[m]
                    owners[kept] = owners[m]
                    kept += 1
                    previous = owners[m]
            i = j
        return kept

    def build_table(distinct, starts, max_per_gram):
        """An open-addressing hash table over distinct hashes, and a bitmap of their top bits.

        The table interleaves (hash, entry) so a probe reads one cache line: the entry packs
        where the hash's run of records starts in the index (``starts``) and how many of
        them are used (at most ``max_per_gram``), ``start << 8 | count``; 0 is an empty slot.
        The 2 MB bitmap turns most misses away before the larger table is touched.
        """
        bits = np.zeros(1 << (SCREEN_BITS - 6), np.uint64)
        shift = np.uint64(64 - SCREEN_BITS)
        for i in range(len(distinct)):
            top = distinct[i] >> shift
            bits[top >> np.uint64(6)] |= np.uint64(1) << (top & np.uint64(63))
        size = 1
        while size < 2 * len(distinct) + 2:
            size *= 2
        table = np.zeros(2 * size, np.uint64)
        mask = np.uint64(size - 1)
        for i in range(len(distinct)):
            slot = distinct[i] & mask
            while table[2 * slot + 1] != 0:
                slot = (slot + np.uint64(1)) & mask
            table[2 * slot] = distinct[i]
            count = min(starts[i + 1] - starts[i], max_per_gram)
            table[2 * slot + 1] = (np.uint64(starts[i]) << np.uint64(8)) | np.uint64(count)
        return table, bits

    def best_matches(
        word_hash,
        counts,
        lengths,
        length_keys,
        base_powers,
        inverse_powers,
        table,
        bits,
        owners,
        grams,
        n,
        slot_of,
    ):
        """Each text's best reference record, found text by text in one pass.

        A window's hash is :meth:`core.overlap.ngrams._Block.grams`'s (a polynomial in its
        word hashes, from prefix sums, keyed by its length); only windows inside a text are
        hashed. A text's hits (reference record, start word, length) are tallied per record,
        and the record is chosen as :func:`core.overlap.ngrams._best` chooses it: most
        of the record covered, then most windows shared, then the first record; its span is
        the longest run of consecutive shared n-grams. Doing this per text tallies a few pairs
        at a time instead of sorting all of a block's hits in numpy. ``slot_of`` is scratch,
        one -1 per reference record, and is all -1 again on return.

        Returns, per text with a hit: its index in the block, record, windows shared, coverage
        (float64) and longest shared span in words.
        """
        words = len(word_hash)
        prefix = np.zeros(words + 1, np.uint64)
        for i in range(words):
            # splitmix64, as core.dedup.shingles.splitmix64 mixes them for the numpy path.
            mixed = word_hash[i] + np.uint64(0x9E3779B97F4A7C15)
            mixed = (mixed ^ (mixed >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            mixed = (mixed ^ (mixed >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            mixed = mixed ^ (mixed >> np.uint64(31))
            prefix[i + 1] = prefix[i] + mixed * base_powers[i]
        # Pass 1, a tight loop: every window found, with its run of records in the index.
        texts = len(counts)
        capacity = words * len(lengths)  # at most every window hits
        hit_position = np.empty(capacity, np.int64)
        hit_low = np.empty(capacity, np.int64)
        hit_records = np.empty(capacity, np.int64)
        hit_length = np.empty(capacity, np.int64)
        text_hits = np.zeros(texts + 1, np.int64)  # text t's hits: text_hits[t]:text_hits[t+1]
        hits = 0
        pairs = 0
        mask = np.uint64(len(table) // 2 - 1)
        shift = np.uint64(64 - SCREEN_BITS)
        first_word = 0
        for text in range(texts):
            count = counts[text]
            for k in lengths:
                key = length_keys[k]
                for position in range(count - k + 1):
                    start = first_word + position
                    value = ((prefix[start + k] - prefix[start]) * inverse_powers[start]) ^ key
                    top = value >> shift
                    if not bits[top >> np.uint64(6)] & (np.uint64(1) << (top & np.uint64(63))):
                        continue
                    slot = value & mask
                    while table[2 * slot + 1] != 0:
                        if table[2 * slot] == value:
                            entry = table[2 * slot + 1]
                            records = np.int64(entry & np.uint64(255))
                            hit_position[hits] = position
                            hit_low[hits] = np.int64(entry >> np.uint64(8))
                            hit_records[hits] = records
                            hit_length[hits] = k
                            pairs += records
                            hits += 1
                            break
                        slot = (slot + np.uint64(1)) & mask
            first_word += count
            text_hits[text + 1] = hits
        # Pass 2, per text with hits: its (record, start) pairs tallied per record. A record
        # is matched at one length only (whole if short, else n-grams), and its starts come
        # in increasing order, so runs of consecutive n-grams are counted without sorting.
        # ``slot_of`` (all -1 between texts) maps a record to its tally.
        tally_ref = np.empty(pairs, np.int64)
        tally_shared = np.empty(pairs, np.int64)
        tally_run = np.empty(pairs, np.int64)
        tally_previous = np.empty(pairs, np.int64)
        tally_span = np.empty(pairs, np.int64)
        out_text = np.empty(texts, np.int64)
        out_ref = np.empty(texts, np.int64)
        out_shared = np.empty(texts, np.int64)
        out_coverage = np.empty(texts, np.float64)
        out_span = np.empty(texts, np.int64)
        found = 0
        for text in range(texts):
            if text_hits[text] == text_hits[text + 1]:
                continue
            tallies = 0
            for hit in range(text_hits[text], text_hits[text + 1]):
                position, length = hit_position[hit], hit_length[hit]
                full = length == n
                for j in range(hit_records[hit]):
                    ref = owners[hit_low[hit] + j]
                    t = slot_of[ref]
                    if t < 0:
                        t = tallies
                        slot_of[ref] = t
                        tally_ref[t] = ref
                        tally_shared[t] = 0
                        tally_run[t] = 0
                        tally_previous[t] = -2
                        tally_span[t] = 0
                        tallies += 1
                    if full and position == tally_previous[t] + 1:
                        tally_run[t] += 1
                    else:
                        tally_run[t] = 1
                    words_ = tally_run[t] + n - 1 if full else length
                    tally_span[t] = max(tally_span[t], words_)
                    tally_previous[t] = position
                    tally_shared[t] += 1
            best_ref, best_shared, best_span, best_coverage = -1, 0, 0, -1.0
            for t in range(tallies):
                ref, shared = tally_ref[t], tally_shared[t]
                slot_of[ref] = -1
                coverage = min(shared / max(grams[ref], 1), 1.0)
                if (
                    coverage > best_coverage
                    or (coverage == best_coverage and shared > best_shared)
                    or (coverage == best_coverage and shared == best_shared and ref < best_ref)
                ):
                    best_ref, best_shared, best_span = ref, shared, tally_span[t]
                    best_coverage = coverage
            out_text[found] = text
            out_ref[found] = best_ref
            out_shared[found] = best_shared
            out_coverage[found] = best_coverage
            out_span[found] = best_span
            found += 1
        return (
            out_text[:found],
            out_ref[:found],
            out_shared[:found],
            out_coverage[:found],
            out_span[:found],
        )

    class Kernels:
        pass

    kernels = Kernels()
    kernels.word_hashes = jit(word_hashes)
    kernels.build_table = jit(build_table)
    kernels.order_runs = jit(order_runs)
    kernels.best_matches = jit(best_matches)
    # Compile (or load from the cache) now, so a failure falls back instead of failing a run.
    kernels.word_hashes(
        np.frombuffer(b"a b ", np.uint8),
        np.array([1, 1]),
        np.ones(256, np.uint64),
        np.zeros(256, np.bool_),
        np.uint64(3),
    )
    table = kernels.build_table(np.array([5, 9], np.uint64), np.array([0, 1, 2]), 64)
    kernels.order_runs(np.array([5, 5, 9], np.uint64), np.array([1, 0, 2]))
    ones = np.ones(4, np.uint64)
    fixed = ones.copy()
    fixed.flags.writeable = False  # the power tables are read-only: the same signature
    kernels.best_matches(
        ones,
        np.array([4]),
        np.array([2, 3]),
        ones,
        fixed,
        fixed,
        *table,
        np.array([0, 0]),
        np.array([1]),
        3,
        np.full(1, -1),
    )
    return kernels
