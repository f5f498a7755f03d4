"""Word n-gram overlap (13-grams by default): the GPT-3 and lm-eval-harness contamination test.

A row overlaps a reference record when they share any word n-gram. Both sides are hashed with
numpy over whole blocks of text (:func:`core.overlap.words.word_hashes`, then a weighted sum of
``n`` consecutive word hashes, mixed with splitmix64): no Python object per word or n-gram.
The reference side becomes one sorted array of n-gram hashes plus a bitmap of their top bits;
each block of rows is screened with the bitmap (one gather), the few survivors are looked up
with ``searchsorted``, and only the hits are turned into (row, reference record) pairs.

A reference record shorter than ``n`` words (a quarter of the Koala and Vicuna prompts) would
never match, so, as in the GPT-3 paper, the n-gram shrinks to fit it: it matches a row that
contains all of its words in a row. Records with fewer than ``min_words`` words are left to the
exact level: a three-word phrase in common is not a leak.

Words are compared as :mod:`core.overlap.words` defines them: NFKC, case-folded,
punctuation ignored, an apostrophe or full stop inside a word dropped. Text without spaces
(Chinese, Japanese, Thai) is one "word" per run of letters between punctuation marks, so a
clause is a single word and n-grams need many whole clauses in common: such text is matched
when it is copied whole (exact level) or by the near and semantic levels.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from core.dedup.progress import DedupProgress
from core.dedup.shingles import splitmix64
from core.overlap.kernels import for_size
from core.overlap.words import BASE, BASE_INVERSE, powers, word_hashes

#: A hash shared by more reference records than this (boilerplate) is matched to the first
#: ones only: the row is still found, and one phrase cannot produce millions of pairs.
#: At most 255: the compiled path's hash table packs the count in 8 bits.
MAX_RECORDS_PER_GRAM = 64
#: Bits of a hash that index the screening bitmap (2**24 bits: 16 MB, under 2% false hits
#: for a reference of 300k n-grams).
FILTER_BITS = 24
_STAGE_INDEX = "n-grams: indexing the reference"
_STAGE_MATCH = "n-grams: matching"


def _length_keys(n: int) -> np.ndarray:
    """A key per gram length, mixed in so a 7-word gram never equals a 13-word one."""
    return splitmix64(np.arange(n + 1, dtype=np.uint64) + np.uint64(0x5EED))


class _Block:
    """One block of texts' words: word hashes, and (computed when asked) owner and position.

    The compiled path mixes the hashes and finds text ends inside its loop; the per-word
    arrays below are built only for the numpy path and the index.
    """

    def __init__(self, word_hash: np.ndarray, counts: np.ndarray, first_text: int) -> None:
        self.word_hash, self.counts, self.first_text = word_hash, counts, first_text
        self.ends = np.cumsum(counts)
        self.starts = self.ends - counts

    @cached_property
    def ids(self) -> np.ndarray:
        """Mixed word hashes (splitmix64): the terms of the window polynomial."""
        return splitmix64(self.word_hash)

    @cached_property
    def owner(self) -> np.ndarray:
        """The text (within the block) each word belongs to."""
        return np.repeat(np.arange(len(self.counts)), self.counts)

    @cached_property
    def remaining(self) -> np.ndarray:
        """Words from each word to the end of its text, itself included."""
        return self.ends[self.owner] - np.arange(len(self.owner))

    def owners_of(self, words: np.ndarray) -> np.ndarray:
        """The text owning each of ``words`` (positions in the block), without ``owner``."""
        return np.searchsorted(self.ends, words, side="right")

    def grams(
        self, n: int, wanted: Collection[int]
    ) -> Generator[tuple[int, np.ndarray, np.ndarray], None, None]:
        """For each wanted k ≤ n: k, the k-word window hashes, and which lie inside a text.

        There is a window starting at each word; one near a text's end runs into the next
        text, and ``inside`` says which do not. A window's hash is a polynomial in its word
        hashes taken from prefix sums, so any length costs the same three array operations.
        """
        keys = _length_keys(n)
        with np.errstate(over="ignore"):
            terms = self.ids * powers(BASE, len(self.ids))
            prefix = np.zeros(len(self.ids) + 1, dtype=np.uint64)
            np.cumsum(terms, out=prefix[1:])
            inverse = powers(BASE_INVERSE, len(self.ids))
            for k in sorted(wanted):
                windows = len(self.ids) - k + 1
                if k > n or windows <= 0:
                    continue
                gram = prefix[k : k + windows] - prefix[:windows]
                gram *= inverse[:windows]
                gram ^= keys[k]
                yield k, gram, self.remaining[:windows] >= k


def _blocks(texts: Sequence[str], kernels=None) -> Generator[_Block, None, None]:
    first = 0
    for word_hash, counts in word_hashes(texts, kernels):
        yield _Block(word_hash, counts, first)
        first += len(counts)


@dataclass(frozen=True)
class NgramIndex:
    """The distinct n-gram hashes of a reference, sorted, each with the record it came from."""

    hashes: np.ndarray  # uint64, sorted
    owners: np.ndarray  # int64, reference row of each hash
    grams: np.ndarray  # int64 per reference row: its distinct n-grams (1 for a short one)
    lengths: tuple[int, ...]  # word counts under n of the short records indexed whole
    n: int
    #: Look-up structures built on first use: the numpy path's screen, or the compiled
    #: path's hash table and where each distinct hash's run starts in ``hashes``.
    built: dict = field(default_factory=dict, compare=False, repr=False)

    def screen(self) -> np.ndarray:
        """bool, 2**FILTER_BITS: which top-bit prefixes any hash has (the numpy path)."""
        if "screen" not in self.built:
            screen = np.zeros(1 << FILTER_BITS, dtype=bool)
            screen[self.hashes >> np.uint64(64 - FILTER_BITS)] = True
            self.built["screen"] = screen
        return self.built["screen"]

    def table(self, kernels) -> tuple[np.ndarray, np.ndarray]:
        """The compiled path's hash table (hash -> its run of records) and screening bitmap."""
        if "table" not in self.built:
            flat = self.hashes
            runs = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1])))
            self.built["table"] = kernels.build_table(
                flat[runs], np.append(runs, len(flat)), MAX_RECORDS_PER_GRAM
            )
        return self.built["table"]

    @property
    def records(self) -> int:
        """How many reference records the index covers."""
        return len(self.grams)


def build_index(
    texts: Sequence[str], n: int, min_words: int
) -> Generator[DedupProgress, None, NgramIndex]:
    """Index the n-grams of ``texts`` (a reference's records)."""
    hashes: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    lengths: set[int] = set()
    kernels = for_size(sum(map(len, texts)))
    for block in _blocks(texts, kernels):
        yield DedupProgress(_STAGE_INDEX, block.first_text, len(texts))
        short = (block.counts >= min_words) & (block.counts < n)
        for k, gram, inside in block.grams(n, range(min_words, n + 1)):
            if k == n:
                hashes.append(gram[inside])
                owners.append(block.owner[: len(inside)][inside] + block.first_text)
            elif k >= min_words:
                texts_k = np.flatnonzero(short & (block.counts == k))
                if len(texts_k):
                    lengths.add(k)
                    hashes.append(gram[block.starts[texts_k]])
                    owners.append(texts_k + block.first_text)
    flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    owner = np.concatenate(owners).astype(np.int64) if owners else np.zeros(0, np.int64)
    if kernels is not None:
        order = np.argsort(flat)
        flat, owner = flat[order], owner[order]
        kept = kernels.order_runs(flat, owner)
        flat, owner = flat[:kept].copy(), owner[:kept].copy()
    else:
        order = np.lexsort((owner, flat))
        flat, owner = flat[order], owner[order]
        distinct = np.ones(len(flat), dtype=bool)
        distinct[1:] = (flat[1:] != flat[:-1]) | (owner[1:] != owner[:-1])
        flat, owner = flat[distinct], owner[distinct]
    grams = np.bincount(owner, minlength=len(texts)).astype(np.int64)
    yield DedupProgress(_STAGE_INDEX, len(texts), len(texts))
    return NgramIndex(flat, owner, grams, tuple(sorted(lengths)), n)


@dataclass(frozen=True)
class NgramMatches:
    """The best reference record of every row that shares an n-gram with the reference."""

    rows: np.ndarray  # int64, rows of the open dataset that matched
    ref_rows: np.ndarray  # int64, their best reference record
    shared: np.ndarray  # int32, the row's n-grams (windows) found in that record
    coverage: np.ndarray  # float32, shared / the reference record's n-grams
    span: np.ndarray  # int32, longest run of shared words


def match(texts: Sequence[str], index: NgramIndex) -> Generator[DedupProgress, None, NgramMatches]:
    """Which of ``texts`` share an n-gram with the reference ``index`` covers, and how much."""
    kernels = for_size(sum(map(len, texts)))
    if kernels is not None:
        return (yield from _match_compiled(texts, index, kernels))
    n = index.n
    looked_up = set(index.lengths) | {n}
    hit_rows, hit_refs, hit_pos, hit_len = [], [], [], []
    for block in _blocks(texts):
        yield DedupProgress(_STAGE_MATCH, block.first_text, len(texts))
        if not len(index.hashes):
            continue
        where, low, high, length = _hits(block, index, sorted(looked_up))
        if not len(where):
            continue
        per = np.minimum(high - low, MAX_RECORDS_PER_GRAM)
        # Every (window, reference record) pair: low[i] .. low[i] + per[i] - 1.
        repeat = np.repeat(np.arange(len(where)), per)
        step = np.arange(len(repeat)) - np.repeat(np.cumsum(per) - per, per)
        owner = block.owners_of(where)
        hit_rows.append(owner[repeat] + block.first_text)
        hit_refs.append(index.owners[low[repeat] + step])
        hit_pos.append((where - block.starts[owner])[repeat])
        hit_len.append(length[repeat])
    yield DedupProgress(_STAGE_MATCH, len(texts), len(texts))
    if not hit_rows:
        return _matches([])
    return _best(
        np.concatenate(hit_rows),
        np.concatenate(hit_refs),
        np.concatenate(hit_pos),
        np.concatenate(hit_len),
        index,
    )


def _match_compiled(
    texts: Sequence[str], index: NgramIndex, kernels
) -> Generator[DedupProgress, None, NgramMatches]:
    """:func:`match` with numba: each block's rows and their best records come out whole."""
    lengths = np.array(sorted(set(index.lengths) | {index.n}), dtype=np.int64)
    keys = _length_keys(index.n)
    slot_of = np.full(index.records, -1, dtype=np.int64)  # the kernel's scratch
    parts = []
    for block in _blocks(texts, kernels):
        yield DedupProgress(_STAGE_MATCH, block.first_text, len(texts))
        if not len(index.hashes):
            continue
        table = index.table(kernels)
        words = len(block.word_hash)
        with np.errstate(over="ignore"):
            rows, *rest = kernels.best_matches(
                block.word_hash,
                block.counts,
                lengths,
                keys,
                powers(BASE, words),
                powers(BASE_INVERSE, words),
                *table,
                index.owners,
                index.grams,
                index.n,
                slot_of,
            )
        parts.append((rows + block.first_text, *rest))
    yield DedupProgress(_STAGE_MATCH, len(texts), len(texts))
    return _matches(parts)


def _matches(parts: list[tuple[np.ndarray, ...]]) -> NgramMatches:
    """Blocks' (rows, records, shared, coverage, span) as one :class:`NgramMatches`."""
    if not parts:
        empty = np.zeros(0, np.int64)
        parts = [(empty, empty, empty, empty.astype(np.float64), empty)]
    rows, refs, shared, coverage, span = (np.concatenate(p) for p in zip(*parts, strict=True))
    return NgramMatches(
        rows.astype(np.int64),
        refs.astype(np.int64),
        shared.astype(np.int32),
        coverage.astype(np.float32),
        span.astype(np.int32),
    )


def _hits(
    block: _Block, index: NgramIndex, lengths: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The block's windows found in the index: start word, run of equal hashes, length.

    ``low:high`` is the run of ``index.hashes`` equal to the window's hash (one entry per
    reference record having it): numpy passes per length, the path without numba.
    """
    shift = np.uint64(64 - FILTER_BITS)
    found = []
    for k, gram, inside in block.grams(index.n, lengths):
        where = np.flatnonzero(inside & index.screen()[gram >> shift])
        low = np.searchsorted(index.hashes, gram[where], side="left")
        hit = index.hashes[np.minimum(low, len(index.hashes) - 1)] == gram[where]
        where, low = where[hit], low[hit]
        high = np.searchsorted(index.hashes, gram[where], side="right")
        found.append((where, low, high, np.full(len(where), k, dtype=np.int32)))
    if not found:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, empty.astype(np.int32)
    where, low, high, ks = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return where, low, high, ks


def _best(rows, refs, positions, lengths, index: NgramIndex) -> NgramMatches:
    """Per row, the reference record covered most (then sharing most), with the longest span.

    One sort of the hits by (row, record, position) gives everything: a (row, record) pair's
    hits are consecutive, their number is how many of the row's n-grams the record has (a
    phrase the row repeats counts each time, as each is a copied window), and its runs of
    consecutive positions are its shared spans.
    """
    pair = rows.astype(np.int64) * index.records + refs
    # One integer key, (pair, position), sorts faster than a two-key lexsort.
    span_of_positions = int(positions.max()) + 1
    order = np.argsort(pair * span_of_positions + positions)
    pair, positions, lengths = pair[order], positions[order], lengths[order]
    starts = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
    pairs = pair[starts]
    shared = np.diff(np.append(starts, len(pair)))
    span = np.maximum.reduceat(_run_words(pair, positions, lengths, index.n), starts)
    pair_rows, pair_refs = pairs // index.records, pairs % index.records
    coverage = np.minimum(shared / np.maximum(index.grams[pair_refs], 1), 1.0)
    # Best first within each row: most of the reference record covered, then most shared.
    rank = np.lexsort((pair_refs, -shared, -coverage, pair_rows))
    first = np.ones(len(rank), dtype=bool)
    first[1:] = pair_rows[rank][1:] != pair_rows[rank][:-1]
    best = rank[first]
    return NgramMatches(
        pair_rows[best],
        pair_refs[best],
        shared[best].astype(np.int32),
        coverage[best].astype(np.float32),
        span[best].astype(np.int32),
    )


def _run_words(pair: np.ndarray, positions: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """Per hit, the words of the run of consecutive shared n-grams it ends (0 inside a run).

    Hits are sorted by (pair, position): consecutive n-grams starting at p, p+1, …, p+r-1
    cover r + n - 1 words; a short record matched whole covers its own length.
    """
    full = lengths == n
    continues = np.zeros(len(pair), dtype=bool)
    continues[1:] = (
        full[1:] & full[:-1] & (pair[1:] == pair[:-1]) & (positions[1:] == positions[:-1] + 1)
    )
    run_start = np.flatnonzero(~continues)
    run_length = np.diff(np.append(run_start, len(pair)))
    words = np.zeros(len(pair), dtype=np.int64)
    words[run_start] = np.where(full[run_start], run_length + n - 1, lengths[run_start])
    return words
