"""What a reader is shown for a row that overlaps a reference: the matching record and spans.

Plain data plus the span search, so the detail pane (which shows it) and the Overlap dock (which
builds it) share one definition without one view importing the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.overlap.spans import shared_spans


@dataclass(frozen=True)
class OverlapDetail:
    """The reference record a row matches, with where the shared n-grams lie."""

    title: str
    reference_text: str  # the reference record's compared text ("" when unavailable)
    reference_spans: list[tuple[int, int]]
    n: int
    min_words: int

    def spans_in(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` (a turn of the row) shares n-grams with the reference record."""
        if not self.reference_text:
            return []
        return shared_spans(text, self.reference_text, self.n, self.min_words)
