"""Characters that change or hide text without showing themselves: zero-width and bidi controls.

A U+202E RIGHT-TO-LEFT OVERRIDE makes ``evil.exe`` read as ``exe.live``; a zero-width space
splits a word a filter or a tokenizer would otherwise see. In a dataset they are almost always
accidents or attacks, and a curator cannot see them, so Thresher flags the rows that have them
and shows each one as a visible marker instead of applying it.

The zero-width joiner and non-joiner (U+200D, U+200C) are left out: emoji sequences and
Persian, Arabic and Indic text use them legitimately.
"""

from __future__ import annotations

import re
import unicodedata

#: Bidi embeddings, overrides and isolates, the direction marks, and the zero-width characters
#: that have no legitimate use inside dataset text.
INVISIBLE = re.compile("[\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds any :data:`INVISIBLE` character."""
    return INVISIBLE.search(text) is not None


#: Unicode's short names for them (the marker stays short inside running text).
ABBREVIATIONS = {
    "\u061c": "ALM",
    "\u180e": "MVS",
    "\u200b": "ZWSP",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2060": "WJ",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
    "\ufeff": "BOM",
}


def marker(char: str) -> str:
    """The visible stand-in for one invisible character, e.g. ``⟦RLO U+202E⟧``."""
    name = ABBREVIATIONS.get(char) or unicodedata.name(char, "?")
    return f"⟦{name} U+{ord(char):04X}⟧"


def split_invisible(text: str) -> list[tuple[str, bool]]:
    """``text`` as (piece, is_invisible) pairs, in order; each invisible character alone."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in INVISIBLE.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces
