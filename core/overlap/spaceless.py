"""Text written without spaces between words (Chinese, Japanese, Thai…), and what it means here.

The exact, 13-gram and near levels work on words split at spaces and punctuation, so a sentence
of Chinese is one "word": a copy with three characters removed or a short prefix added shares
no word with the original and is missed; only the semantic level (sentence embeddings) finds
it. A run says so in one line when a real share of the rows or references is such text, so the
curator is not reassured by a clean result these levels could not have produced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK ideographs.
_SPACELESS = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]"
)
_SPACE = re.compile(r"\s")
#: A text counts as spaceless when such characters are at least this share of its non-spaces.
TEXT_SHARE = 0.3
#: The run notes it when at least this share of the rows, or of the reference records, is.
NOTE_SHARE = 0.05
#: Enough texts, spread evenly over the file, to estimate the share.
SAMPLE = 5000


def spaceless(text: str) -> bool:
    """Whether ``text`` is mostly written in a script without spaces between words."""
    letters = len(text) - len(_SPACE.findall(text))
    return letters > 0 and len(_SPACELESS.findall(text)) >= TEXT_SHARE * letters


def spaceless_share(texts: Sequence[str]) -> float:
    """The share of ``texts`` that are spaceless, from an even sample of at most SAMPLE."""
    if not texts:
        return 0.0
    step = max(1, len(texts) // SAMPLE)
    sample = texts[::step]
    return sum(map(spaceless, sample)) / len(sample)


def spaceless_note(rows: float, references: float) -> str | None:
    """One line for the run's summary when the shares call for it, else None."""
    if max(rows, references) < NOTE_SHARE:
        return None
    return (
        f"{rows:.0%} of the rows and {references:.0%} of the reference records are written "
        "without spaces between words (Chinese, Japanese, Thai…): the exact, 13-gram and "
        "near levels miss edited copies of such text; the semantic level finds them "
        "(--semantic on the command line)"
    )
