"""Word n-gram overlap (13-grams by default): the GPT-3 and lm-eval-harness contamination test.

A row overlaps a reference record when they share any word n-gram. Both sides are hashed with
numpy over whole blocks of text (:func:`core.dedup.words.word_hashes`, then a weighted sum of
``n`` consecutive word hashes, mixed with splitmix64): no Python object per word or n-gram.
The reference side becomes one sorted array of n-gram hashes; each block of rows is looked up
in it with ``searchsorted``, and only the rare hits are turned into (row, reference record)
pairs.

A reference record shorter than ``n`` words (a quarter of the Koala and Vicuna prompts) would
never match, so, as in the GPT-3 paper, the n-gram shrinks to fit it: it matches a row that
contains all of its words in a row. Records with fewer than ``min_words`` words are left to the
exact level: a three-word phrase in common is not a leak.

Words are compared as :mod:`core.dedup.words` defines them: NFKC, case-folded, punctuation
ignored. Text without spaces (Chinese, Japanese, Thai) is one "word" per run of letters, so a
sentence is a single word and n-grams need whole sentences in common: such text is matched
only when its sentences are copied whole; the exact, near and semantic levels still apply.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np

from core.dedup.progress import DedupProgress
from core.dedup.shingles import splitmix64
from core.dedup.words import word_hashes

#: A hash shared by more reference records than this (boilerplate) is matched to the first
#: ones only: the row is still found, and one phrase cannot produce millions of pairs.
MAX_RECORDS_PER_GRAM = 64
#: An apostrophe or full stop inside a word ("don't", "I'd", "lottadigital.com", "3.5") is
#: dropped, so the word stays one word: losing the apostrophe ("dont") is a light edit, and
#: it must not turn one word into two and break every n-gram around it.
_INNER_MARK = re.compile(r"(?<=\w)['’.](?=\w)")
_STAGE_INDEX = "n-grams: indexing the reference"
_STAGE_MATCH = "n-grams: matching"


def _weights(n: int) -> np.ndarray:
    return splitmix64(np.arange(1, n + 1, dtype=np.uint64)) | np.uint64(1)


def _length_keys(n: int) -> np.ndarray:
    """A key per gram length, mixed in so a 7-word gram never equals a 13-word one."""
    return splitmix64(np.arange(n + 1, dtype=np.uint64) + np.uint64(0x5EED))


@dataclass(frozen=True)
class _Block:
    """One block of texts' words: mixed word hashes, owner text and word position."""

    ids: np.ndarray
    counts: np.ndarray
    starts: np.ndarray
    owner: np.ndarray
    first_text: int

    @classmethod
    def of(cls, word_hash: np.ndarray, counts: np.ndarray, first_text: int) -> _Block:
        ends = np.cumsum(counts)
        return cls(splitmix64(word_hash), counts, ends - counts,
                   np.repeat(np.arange(len(counts)), counts), first_text)

    def grams(self, n: int) -> Generator[tuple[int, np.ndarray, np.ndarray], None, None]:
        """For k = 1..n: k, the k-word window hashes, and which windows lie inside a text.

        There is a window starting at each word; one near a text's end runs into the next
        text, and ``inside`` says which do not.
        """
        weights, keys = _weights(n), _length_keys(n)
        combined = np.zeros(len(self.ids), dtype=np.uint64)
        ends = self.starts + self.counts
        with np.errstate(over="ignore"):
            for k in range(1, n + 1):
                windows = len(self.ids) - k + 1
                if windows <= 0:
                    return
                combined = combined[:windows]
                combined += self.ids[k - 1:k - 1 + windows] * weights[k - 1]
                inside = np.arange(windows) + k <= ends[self.owner[:windows]]
                yield k, splitmix64(combined ^ keys[k]), inside


def _blocks(texts: Sequence[str]) -> Generator[_Block, None, None]:
    first = 0
    joined = [_INNER_MARK.sub("", t) if ("'" in t or "." in t or "’" in t) else t
              for t in texts]
    for word_hash, counts in word_hashes(joined):
        yield _Block.of(word_hash, counts, first)
        first += len(counts)


@dataclass(frozen=True)
class NgramIndex:
    """The distinct n-gram hashes of a reference, sorted, each with the record it came from."""

    hashes: np.ndarray   # uint64, sorted
    owners: np.ndarray   # int64, reference row of each hash
    grams: np.ndarray    # int64 per reference row: its distinct n-grams (1 for a short one)
    lengths: tuple[int, ...]   # word counts under n of the short records indexed whole
    n: int

    @property
    def records(self) -> int:
        """How many reference records the index covers."""
        return len(self.grams)


def build_index(texts: Sequence[str], n: int, min_words: int
                ) -> Generator[DedupProgress, None, NgramIndex]:
    """Index the n-grams of ``texts`` (a reference's records)."""
    hashes: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    lengths: set[int] = set()
    for block in _blocks(texts):
        yield DedupProgress(_STAGE_INDEX, block.first_text, len(texts))
        short = (block.counts >= min_words) & (block.counts < n)
        for k, gram, inside in block.grams(n):
            if k == n:
                hashes.append(gram[inside])
                owners.append(block.owner[:len(inside)][inside] + block.first_text)
            elif k >= min_words:
                texts_k = np.flatnonzero(short & (block.counts == k))
                if len(texts_k):
                    lengths.add(k)
                    hashes.append(gram[block.starts[texts_k]])
                    owners.append(texts_k + block.first_text)
    flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    owner = np.concatenate(owners).astype(np.int64) if owners else np.zeros(0, np.int64)
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

    rows: np.ndarray        # int64, rows of the open dataset that matched
    ref_rows: np.ndarray    # int64, their best reference record
    shared: np.ndarray      # int32, distinct n-grams the two share
    coverage: np.ndarray    # float32, shared / the reference record's n-grams
    span: np.ndarray        # int32, longest run of shared words


def match(texts: Sequence[str], index: NgramIndex
          ) -> Generator[DedupProgress, None, NgramMatches]:
    """Which of ``texts`` share an n-gram with the reference ``index`` covers, and how much."""
    n = index.n
    looked_up = set(index.lengths) | {n}
    hit_rows, hit_refs, hit_hash, hit_pos, hit_len = [], [], [], [], []
    for block in _blocks(texts):
        yield DedupProgress(_STAGE_MATCH, block.first_text, len(texts))
        if not len(index.hashes):
            continue
        for k, gram, inside in block.grams(n):
            if k not in looked_up:
                continue
            where = np.flatnonzero(inside)
            found = np.searchsorted(index.hashes, gram[where])
            found = np.minimum(found, len(index.hashes) - 1)
            hit = index.hashes[found] == gram[where]
            if not hit.any():
                continue
            where, hashes = where[hit], gram[where[hit]]
            low = np.searchsorted(index.hashes, hashes, side="left")
            high = np.searchsorted(index.hashes, hashes, side="right")
            per = np.minimum(high - low, MAX_RECORDS_PER_GRAM)
            # Every (window, reference record) pair: low[i] .. low[i] + per[i] - 1.
            repeat = np.repeat(np.arange(len(where)), per)
            step = np.arange(len(repeat)) - np.repeat(np.cumsum(per) - per, per)
            owner = block.owner[where]
            hit_rows.append(owner[repeat] + block.first_text)
            hit_refs.append(index.owners[low[repeat] + step])
            hit_hash.append(hashes[repeat])
            hit_pos.append((where - block.starts[owner])[repeat])
            hit_len.append(np.full(len(repeat), k, dtype=np.int32))
    yield DedupProgress(_STAGE_MATCH, len(texts), len(texts))
    if not hit_rows:
        empty = np.zeros(0, np.int64)
        return NgramMatches(empty, empty, empty.astype(np.int32), empty.astype(np.float32),
                            empty.astype(np.int32))
    return _best(np.concatenate(hit_rows), np.concatenate(hit_refs),
                 np.concatenate(hit_hash), np.concatenate(hit_pos), np.concatenate(hit_len),
                 index)


def _best(rows, refs, hashes, positions, lengths, index: NgramIndex) -> NgramMatches:
    """Per row, the reference record covered most (then sharing most), with the longest span."""
    pair = rows.astype(np.int64) * index.records + refs
    order = np.lexsort((hashes, pair))
    pair_sorted, hash_sorted = pair[order], hashes[order]
    distinct = np.ones(len(order), dtype=bool)
    distinct[1:] = (pair_sorted[1:] != pair_sorted[:-1]) | (hash_sorted[1:] != hash_sorted[:-1])
    pairs, shared = np.unique(pair_sorted[distinct], return_counts=True)
    pair_rows, pair_refs = pairs // index.records, pairs % index.records
    coverage = np.minimum(shared / np.maximum(index.grams[pair_refs], 1), 1.0)
    # Best first within each row: most of the reference record covered, then most shared.
    rank = np.lexsort((pair_refs, -shared, -coverage, pair_rows))
    first = np.ones(len(rank), dtype=bool)
    first[1:] = pair_rows[rank][1:] != pair_rows[rank][:-1]
    best = rank[first]
    chosen_pairs = pairs[best]
    return NgramMatches(pair_rows[best], pair_refs[best], shared[best].astype(np.int32),
                        coverage[best].astype(np.float32),
                        _longest_spans(pair, positions, lengths, chosen_pairs, index.n))


def _longest_spans(pair, positions, lengths, chosen_pairs, n: int) -> np.ndarray:
    """For each chosen (row, record) pair, the longest run of words the two share.

    Consecutive shared n-grams starting at positions p, p+1, …, p+r-1 cover r + n - 1 words;
    a short record matched whole covers its own length.
    """
    keep = np.isin(pair, chosen_pairs)
    pair, positions, lengths = pair[keep], positions[keep], lengths[keep]
    span = np.zeros(len(chosen_pairs), dtype=np.int64)
    slot = np.searchsorted(chosen_pairs, pair)
    whole = lengths < n
    np.maximum.at(span, slot[whole], lengths[whole])
    full = ~whole
    if full.any():
        order = np.lexsort((positions[full], pair[full]))
        p_pair, p_pos = pair[full][order], positions[full][order]
        distinct = np.ones(len(order), dtype=bool)
        distinct[1:] = (p_pair[1:] != p_pair[:-1]) | (p_pos[1:] != p_pos[:-1])
        p_pair, p_pos = p_pair[distinct], p_pos[distinct]
        new_run = np.ones(len(p_pair), dtype=bool)
        new_run[1:] = (p_pair[1:] != p_pair[:-1]) | (p_pos[1:] != p_pos[:-1] + 1)
        run_id = np.cumsum(new_run) - 1
        run_length = np.bincount(run_id)
        run_pair = p_pair[new_run]
        np.maximum.at(span, np.searchsorted(chosen_pairs, run_pair), run_length + n - 1)
    return span.astype(np.int32)
