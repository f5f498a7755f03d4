"""Text normalisation shared by every duplicate detector.

Two records that differ only in Unicode form (full-width letters, ligatures), case, spacing or
repeated punctuation ("Why??" vs "why?") are the same training example; normalising first makes
exact matching catch them and keeps such noise out of near and semantic matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from core.dataset import Dataset

#: Which text of a row a detector compares.
FIELDS = ("prompt", "response", "pair")

#: What :func:`normalise` does, in the words of ``dedup --exact`` and ``overlap --exact`` help.
#: Only a *run* of marks is shortened: a single mark still counts, so "thinking!" and
#: "thinking" differ (checked against :func:`normalise` in tests/dedup/test_cli_dedup.py).
NORMALISATION_HELP = (
    "Unicode NFKC, case folding and collapsed whitespace, with each run of "
    'punctuation or symbols cut to its first mark ("why??" = "Why?", '
    '"why?!" = "why?"); a single mark is kept ("thinking!" ≠ "thinking")'
)

# A run of punctuation or symbols, e.g. "?!?" or "...": collapsed to its first character.
_PUNCT_RUN = re.compile(r"([^\w\s])[^\w\s]+")
# Joins prompt and response in "pair" text for near and semantic matching (exact matching keys
# the two fields separately, see core.dedup.exact).
PAIR_SEPARATOR = "\n"


def normalise(text: str) -> str:
    """NFKC, case-folded, punctuation runs collapsed, whitespace collapsed and trimmed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCT_RUN.sub(r"\1", text).split())


def field_texts(dataset: Dataset, field: str, rows: Sequence[int] | None = None) -> Sequence[str]:
    """The raw text ``rows`` (default: every row) contribute for ``field`` (see :data:`FIELDS`).

    Every row's prompts or responses are the dataset's own tuple, not a copy; pairs are a new
    tuple. A list of a million texts would be walked item by item by every full garbage
    collection (the GIL held) while the detectors run; the collector stops tracking a tuple.
    """
    if field not in FIELDS:
        raise ValueError(f"unknown field {field!r}: choose one of {', '.join(FIELDS)}")
    prompts, responses = dataset.prompts, dataset.responses
    if rows is not None:
        prompts = [prompts[i] for i in rows]
        responses = [responses[i] for i in rows]
    if field == "prompt":
        return tuple(prompts)
    if field == "response":
        return tuple(responses)
    return tuple(p + PAIR_SEPARATOR + r for p, r in zip(prompts, responses, strict=True))


def normalised_texts(texts: Sequence[str]) -> list[str]:
    """:func:`normalise` over a column of texts."""
    return [normalise(t) for t in texts]
