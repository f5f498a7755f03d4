"""The seed's pure-Python heuristic signals (before issue 20), kept as bench_heuristics' baseline.

Not used by the app: its score rewarded length (see core/scoring/heuristics.py for why that
changed). It is here only so the benchmark can measure the vectorised version against it, so
it keeps only the seed's rules; the signals come back in the app's own
:class:`~core.scoring.heuristics.HeuristicSignals` (the columns are the same, their rules are
not). Today's rules, computed the same plain way, are tests/scoring/heuristics_reference.py.

Offline quality signals: cheap, explainable, and available on every machine.

Each signal was its own column so a curator could sort and filter by it; :func:`heuristic_score`
combined them into the score the seed's app used when no reward model was available:

``score = length × (1 − repetition) × (1 − garbage) × (1 − 0.9·refusal) × (1 − 0.9·echo)``

where ``length = min(1, ln(1 + words) / ln(1 + 40))`` (an answer of 40 words or more gets full
credit, an empty one none), ``refusal`` is 0 or 1, and the other terms are ratios in [0, 1].
The result is in [0, 1]; 0.5 was the suggested keep threshold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from core.invisible import has_invisible
from core.scoring.heuristics import HeuristicSignals

#: Words at which an answer's length stops adding to the heuristic score.
FULL_CREDIT_WORDS = 40
#: An answer with fewer letters and digits than this is "near-empty" ("", "ok", "42", "Yes.").
NEAR_EMPTY_CHARS = 4

_WORD = re.compile(r"\w+")
_REFUSAL = re.compile(
    r"\bas an ai\b|\bas a language model\b|\bi am an ai\b|\bi'm an ai\b"
    r"|\bi (?:cannot|can't|can not|am unable to|am not able to|won't) "
    r"(?:help|assist|provide|fulfil|fulfill|comply|answer|do that|generate|create|write)"
    r"|\bi'?m (?:sorry|afraid),? but i (?:cannot|can't|am unable|am not able|won't)"
    r"|\bi do not have personal (?:opinions|feelings|experiences|beliefs)"
    r"|\bi don't have personal (?:opinions|feelings|experiences|beliefs)"
    r"|\bmy knowledge cutoff\b",
    re.IGNORECASE,
)
_REPEATED_UNIT = re.compile(r"^(.{1,4}?)\1{2,}$")
_VOWEL = re.compile(r"[aeiouy]")
#: Runs of adjacent keys that no English word contains ("erty" would hit "property").
_KEYBOARD_RUNS = (
    "qwer",
    "rtyu",
    "tyui",
    "yuio",
    "uiop",
    "asdf",
    "sdfg",
    "dfgh",
    "fghj",
    "ghjk",
    "hjkl",
    "zxcv",
    "xcvb",
    "cvbn",
    "vbnm",
)
_PLACEHOLDER = re.compile(r"lorem ipsum", re.IGNORECASE)
_MARKUP_RUNS = frozenset({"...", "---", "```", "***", "===", "'''", '"""', "___", "###", "|---|"})


def _trigrams(words: list[str]) -> list[tuple[str, str, str]]:
    return list(zip(words, words[1:], words[2:], strict=False))


def repetition_ratio(words: list[str]) -> float:
    """Share of word trigrams that already occurred earlier in the same text."""
    grams = _trigrams(words)
    return 1.0 - len(set(grams)) / len(grams) if len(grams) >= 2 else 0.0


def echo_ratio(prompt_words: list[str], response_words: list[str]) -> float:
    """Share of the response copied from the prompt.

    Counted in word trigrams; a response too short for trigrams is an echo only when it repeats
    (nearly) the whole prompt, since a one-word answer picked from the prompt's options is not.
    """
    if not response_words:
        return 0.0
    if len(response_words) < 3:
        same = response_words == prompt_words[: len(response_words)]
        return 1.0 if same and len(response_words) >= 0.8 * len(prompt_words) else 0.0
    grams = _trigrams(response_words)
    prompt_grams = set(_trigrams(prompt_words))
    return sum(g in prompt_grams for g in grams) / len(grams)


def _junk_token(token: str) -> bool:
    low = token.lower()
    if not any(c.isalnum() for c in low):
        return len(low) >= 3 and low not in _MARKUP_RUNS
    letters = "".join(c for c in low if c.isalpha())
    if len(low) >= 6 and _REPEATED_UNIT.match(low):
        return True
    if len(letters) >= 5 and letters.isascii() and not _VOWEL.search(letters):
        return True
    return any(run in letters for run in _KEYBOARD_RUNS)


def garbage_ratio(text: str) -> float:
    """Share of whitespace-separated tokens that look like keyboard mash or symbol noise."""
    if _PLACEHOLDER.search(text):
        return 1.0
    tokens = text.split()
    if not tokens:
        return 0.0
    return sum(map(_junk_token, tokens)) / len(tokens)


def heuristic_score(
    words: int, repetition: float, garbage: float, refusal: bool, echo: float
) -> float:
    """The documented combination of the signals (see the module docstring)."""
    length = min(1.0, math.log1p(words) / math.log1p(FULL_CREDIT_WORDS))
    return (
        length
        * (1.0 - repetition)
        * (1.0 - garbage)
        * (0.1 if refusal else 1.0)
        * (1.0 - 0.9 * echo)
    )


def compute_signals(prompts: Sequence[str], responses: Sequence[str]) -> HeuristicSignals:
    """Signals for aligned prompts and responses."""
    n = len(responses)
    words = np.zeros(n, dtype=np.int32)
    near_empty = np.zeros(n, dtype=bool)
    refusal = np.zeros(n, dtype=bool)
    repetition = np.zeros(n, dtype=np.float32)
    echo = np.zeros(n, dtype=np.float32)
    garbage = np.zeros(n, dtype=np.float32)
    score = np.zeros(n, dtype=np.float32)
    invisible = np.zeros(n, dtype=bool)
    for i, (prompt, response) in enumerate(zip(prompts, responses, strict=True)):
        invisible[i] = has_invisible(prompt) or has_invisible(response)
        response_words = _WORD.findall(response.lower())
        words[i] = len(response_words)
        near_empty[i] = sum(map(str.isalnum, response)) < NEAR_EMPTY_CHARS
        refusal[i] = _REFUSAL.search(response) is not None
        repetition[i] = repetition_ratio(response_words)
        echo[i] = echo_ratio(_WORD.findall(prompt.lower()), response_words)
        garbage[i] = max(garbage_ratio(prompt), garbage_ratio(response))
        score[i] = heuristic_score(
            int(words[i]), float(repetition[i]), float(garbage[i]), bool(refusal[i]), float(echo[i])
        )
    return HeuristicSignals(words, near_empty, refusal, repetition, echo, garbage, score, invisible)
