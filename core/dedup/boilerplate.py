"""Shared boilerplate: text many rows carry that says nothing about what each row asks.

A long system prompt or tool description at the start of most prompts, a fixed closing
instruction, or one context passage behind several different questions makes different requests
look alike: their shingles and embeddings are dominated by the shared part (and an embedder
that cuts at its token limit may see nothing else). This module finds such text and can remove
it before near and semantic comparison; exact matching always compares the whole text.

What counts: a prefix or a suffix (cut at a whitespace) of at least :data:`MIN_CHARS`
characters shared by at least :data:`MIN_SHARE` of the distinct texts, and any paragraph
(text between blank lines) of at least :data:`MIN_BLOCK_CHARS` characters that stands beside
different content in at least :data:`MIN_ROWS` rows. Rows that share a passage because they are
copies of each other (a problem and its answer copied with one line added) do not count: a
passage shared only by copies is the content itself, and removing it would leave each copy with
little but the added line, matching other copies' added lines instead of its original.

Stripping can never make two different records look the same: a row that would keep fewer
than :data:`FEW_WORDS` words, or whose remains would equal another row's while it loses most of
its words, is compared with its full text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from core.text_arrays import release, take_texts
from core.unique import factorize_rows

MIN_SHARE = 0.3
MIN_CHARS = 40
MIN_BLOCK_CHARS = 150
MIN_ROWS = 3
#: A row keeping fewer words than this after stripping is compared with its full text.
FEW_WORDS = 10
#: Prefixes and suffixes are looked for in an even sample of this many distinct texts.
SAMPLE = 2000
_PARAGRAPH = re.compile(r"\n\s*\n")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Boilerplate:
    """What is shared: a prefix, a suffix and repeated paragraphs, with how many rows have each."""

    prefix: str = ""
    prefix_rows: int = 0
    suffix: str = ""
    suffix_rows: int = 0
    blocks: tuple[str, ...] = ()
    block_rows: int = 0
    rows: int = 0
    field: str = ""

    def __bool__(self) -> bool:
        return bool(self.prefix or self.suffix or self.blocks)

    def describe(self) -> str:
        """One line for the run summary and the dock (empty when nothing is shared)."""
        if not self:
            return ""
        parts = []
        if self.prefix:
            parts.append(
                f"{self.prefix_rows:,} of {self.rows:,} rows start with the same "
                f"{len(self.prefix):,} characters (“{_preview(self.prefix)}”)"
            )
        if self.suffix:
            parts.append(
                f"{self.suffix_rows:,} end with the same {len(self.suffix):,} "
                f"characters (“{_preview(self.suffix)}”)"
            )
        if self.blocks:
            parts.append(
                f"{self.block_rows:,} share one of {len(self.blocks):,} passages "
                f"that appear in several rows"
            )
        return f"Shared boilerplate in the {self.field or 'compared'} text: " + "; ".join(parts)

    def to_dict(self) -> dict:
        """Plain data for the project file and ``--json``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Boilerplate:
        """Data written by :meth:`to_dict`."""
        return cls(**{**data, "blocks": tuple(data.get("blocks", ()))})


def _preview(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _shared_start(texts: Sequence[str] | np.ndarray, min_count: int) -> tuple[str, int]:
    """The longest start (cut at whitespace) that ``min_count`` texts share, and how many do."""

    def most_common(length: int) -> tuple[str, int]:
        counts = Counter(t[:length] for t in texts if len(t) >= length)
        return counts.most_common(1)[0] if counts else ("", 0)

    if most_common(MIN_CHARS)[1] < min_count:
        return "", 0
    low, high = MIN_CHARS, max(map(len, texts))
    while low < high:  # the largest length still shared by min_count
        middle = (low + high + 1) // 2
        if most_common(middle)[1] >= min_count:
            low = middle
        else:
            high = middle - 1
    prefix, _ = most_common(low)
    cut = max(prefix.rfind(" "), prefix.rfind("\n"))
    # A whole text counts as shared only if the others continue past it with whitespace.
    if cut >= MIN_CHARS and not all(
        t == prefix or t[len(prefix) : len(prefix) + 1].isspace()
        for t in texts
        if t.startswith(prefix)
    ):
        prefix = prefix[: cut + 1]
    if len(prefix.strip()) < MIN_CHARS:
        return "", 0
    return prefix, sum(1 for t in texts if t.startswith(prefix))


def find_boilerplate(texts: Sequence[str], field_name: str = "") -> Boilerplate:
    """The prefix, suffix and repeated passages of ``texts`` (compared over distinct texts)."""
    # Not dict.fromkeys (one GIL-holding call: 0.7 s at 1M), and an object array, not a list:
    # every full collection while the screen runs would walk a list item by item.
    _, first = factorize_rows(texts)
    distinct = take_texts(texts, first)
    if len(distinct) < MIN_ROWS:
        return Boilerplate(rows=len(texts), field=field_name)
    sample = distinct[:: max(1, len(distinct) // SAMPLE)]
    min_count = max(MIN_ROWS, int(MIN_SHARE * len(sample) + 0.999))
    prefix, _ = _shared_start(sample, min_count)
    suffix_reversed, _ = _shared_start([t[::-1] for t in sample], min_count)
    suffix = suffix_reversed[::-1]
    if (
        prefix
        and suffix
        and any(
            len(t) < len(prefix) + len(suffix)
            for t in distinct
            if t.startswith(prefix) and t.endswith(suffix)
        )
    ):
        suffix = ""
    blocks = _shared_passages(distinct, prefix, suffix)
    shared = set(blocks)
    return Boilerplate(
        prefix,
        sum(1 for t in texts if prefix and t.startswith(prefix)),
        suffix,
        sum(1 for t in texts if suffix and t.endswith(suffix)),
        blocks,
        sum(
            1
            for t in texts
            if shared and not shared.isdisjoint(_paragraphs(_trim(t, prefix, suffix)))
        ),
        len(texts),
        field_name,
    )


def _paragraphs(text: str) -> tuple[str, ...]:
    # A tuple of strings, not a list: the collector stops tracking it, so a million of them
    # (one per distinct text) do not grow the old generation into full collections, each one
    # a pause of every thread (seven of 70-155 ms while the bodies of 1M texts were built).
    return tuple([p.strip() for p in _PARAGRAPH.split(text)])


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _shared_passages(
    distinct: Sequence[str] | np.ndarray, prefix: str, suffix: str
) -> tuple[str, ...]:
    """Long paragraphs that stand beside different content in :data:`MIN_ROWS` rows or more.

    A row's own content is what is left without every paragraph that several rows share; rows
    whose own content is only a few words, or whose longest own paragraph equals another's
    (copies of one record), count once.
    """
    bodies = np.fromiter(  # an object array: full collections do not walk it (see above)
        (_paragraphs(_trim(text, prefix, suffix)) for text in distinct),
        dtype=object,
        count=len(distinct),
    )
    counts = Counter(p for body in bodies for p in {p for p in body if len(p) >= MIN_BLOCK_CHARS})
    candidates = {p for p, n in counts.items() if n >= MIN_ROWS}
    if not candidates:
        return ()
    owners: dict[str, set[str]] = {}
    for body in bodies:
        shared = {p for p in body if p in candidates}
        own = [p for p in body if p not in candidates]
        if not shared or _words(" ".join(own)) < FEW_WORDS:
            continue
        key = " ".join(max(own, key=len).casefold().split())
        for passage in shared:
            owners.setdefault(passage, set()).add(key)
    release(bodies)
    return tuple(sorted(p for p, keys in owners.items() if len(keys) >= MIN_ROWS))


def _trim(text: str, prefix: str, suffix: str) -> str:
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    if suffix and text.endswith(suffix):
        text = text[: len(text) - len(suffix)]
    return text


def strip_text(text: str, boilerplate: Boilerplate) -> str:
    """``text`` without the shared prefix, suffix and passages.

    A row that would keep fewer than :data:`FEW_WORDS` words keeps its whole text: emptied or
    cut to a generic line, different rows would look the same.
    """
    body = _trim(text, boilerplate.prefix, boilerplate.suffix)
    if boilerplate.blocks:
        shared = set(boilerplate.blocks)
        body = "\n\n".join(p for p in _PARAGRAPH.split(body) if p.strip() not in shared)
    return body if _words(body) >= FEW_WORDS else text


def strip_texts(texts: Sequence[str], boilerplate: Boilerplate) -> Sequence[str]:
    """:func:`strip_text` over a column (``texts`` itself when there is no boilerplate).

    Where the remains of rows with different full texts coincide and one of them lost most of
    its words, those rows are compared with their full texts (repeated until none coincide).
    """
    if not boilerplate:
        return texts
    full = list(texts)
    compared = [strip_text(t, boilerplate) for t in full]
    while True:
        sources: dict[str, set[str]] = {}
        for text, kept in zip(full, compared, strict=True):
            sources.setdefault(kept, set()).add(text)
        clashing = {
            kept
            for kept, fulls in sources.items()
            if len(fulls) > 1 and any(_words(kept) * 2 < _words(t) for t in fulls)
        }
        changed = False
        for i, kept in enumerate(compared):
            if kept in clashing and kept != full[i]:
                compared[i] = full[i]
                changed = True
        if not changed:
            return compared
