"""Where two copies differ, as character spans to highlight (for the cluster view)."""

from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\S+")
#: Longer texts are compared by their start only: difflib is quadratic in the worst case.
MAX_TOKENS = 4000


def changed_spans(base: str, other: str) -> list[tuple[int, int]]:
    """Character ranges of ``other`` whose words are not in ``base`` (word-level diff)."""
    base_words = [m.group() for m in _TOKEN.finditer(base)][:MAX_TOKENS]
    other_matches = list(_TOKEN.finditer(other))[:MAX_TOKENS]
    other_words = [m.group() for m in other_matches]
    matcher = difflib.SequenceMatcher(a=base_words, b=other_words, autojunk=False)
    spans = []
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert") and j2 > j1:
            spans.append((other_matches[j1].start(), other_matches[j2 - 1].end()))
    return spans
