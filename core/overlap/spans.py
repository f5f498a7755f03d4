"""Where two texts share word n-grams, as character spans to highlight (one pair at a time).

For the detail pane: the same words as the n-gram level (case-folded, an apostrophe or full
stop inside a word dropped), found with a regular expression so each word keeps its place in
the original text. A reference record shorter than ``n`` words (but at least ``min_words``)
counts as one n-gram of all its words, as in matching.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+(?:['’.]\w+)*")
_INNER = re.compile(r"['’.]")
#: Longer texts are compared by their start only: this runs on the GUI thread per selection.
MAX_WORDS = 20_000


def _words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) for each word of ``text``."""
    out: list[tuple[str, int, int]] = []
    for found in _WORD.finditer(text):
        if len(out) >= MAX_WORDS:
            break
        word = _INNER.sub("", unicodedata.normalize("NFKC", found.group()).casefold())
        out.append((word, found.start(), found.end()))
    return out


def _grams(words: list[str], k: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def shared_spans(text: str, other: str, n: int, min_words: int) -> list[tuple[int, int]]:
    """Character ranges of ``text`` covered by n-grams it shares with ``other``, merged.

    Both directions use the same rule: a side shorter than ``n`` words (at least
    ``min_words``) is one n-gram of all its words.
    """
    mine, theirs = _words(text), _words(other)
    my_words = [w for w, _, _ in mine]
    their_words = [w for w, _, _ in theirs]
    lengths = {n}
    for count in (len(my_words), len(their_words)):
        if min_words <= count < n:
            lengths.add(count)
    covered = [False] * len(mine)
    for k in lengths:
        theirs_k = (
            _grams(their_words, k) if len(their_words) >= n or k == len(their_words) else set()
        )
        if not theirs_k:
            continue
        for i in range(len(my_words) - k + 1):
            if tuple(my_words[i : i + k]) in theirs_k:
                covered[i : i + k] = [True] * k
    spans: list[tuple[int, int]] = []
    for (_, start, end), hit in zip(mine, covered, strict=True):
        if not hit:
            continue
        if spans and _only_space_between(text, spans[-1][1], start):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _only_space_between(text: str, end: int, start: int) -> bool:
    """Whether two covered words are separated by spacing and punctuation only."""
    return not any(ch.isalnum() for ch in text[end:start])
