"""The seed's pure-Python heuristic signals (before issue 20), kept as bench_heuristics' baseline.

Not used by the app: its score rewarded length (see core/scoring/heuristics.py for why that
changed). It is here only so the benchmark can measure the vectorised version against it.

Offline quality signals: cheap, explainable, and available on every machine.

Each signal is its own column so a curator can sort and filter by it; :func:`heuristic_score`
combines them into the score the app uses when no reward model is available:

``score = length × (1 − repetition) × (1 − garbage) × (1 − 0.9·refusal) × (1 − 0.9·echo)``

where ``length = min(1, ln(1 + words) / ln(1 + 40))`` (an answer of 40 words or more gets full
credit, an empty one none), ``refusal`` is 0 or 1, and the other terms are ratios in [0, 1].
The result is in [0, 1]; :data:`HEURISTIC_THRESHOLD` is the suggested keep threshold.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.invisible import has_invisible

HEURISTIC_THRESHOLD = 0.5
#: How the heuristic scorer is named in manifests and the project (it has no model files).
SCORER_DESCRIPTION = {"model": "heuristic", "version": 1}
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

#: Warnings shown for a row, in display order; bit i of :meth:`HeuristicSignals.flag_mask` is
#: ``FLAG_NAMES[i]``. A ratio signal becomes a warning from its threshold below.
FLAG_NAMES = ("empty", "refusal", "echo", "garbage", "repetitive", "invisible")
ECHO_FLAG_FROM = 0.8
GARBAGE_FLAG_FROM = 0.3
REPETITIVE_FLAG_FROM = 0.3


@dataclass(frozen=True)
class HeuristicSignals:
    """Per-row signals, aligned with the rows they were computed for."""

    response_words: np.ndarray  # int32
    near_empty: np.ndarray  # bool
    refusal: np.ndarray  # bool
    repetition: np.ndarray  # float32, share of repeated word trigrams in the response
    echo: np.ndarray  # float32, share of the response's trigrams found in the prompt
    garbage: np.ndarray  # float32, share of junk tokens in the prompt or response
    score: np.ndarray  # float32, :func:`heuristic_score`
    invisible: np.ndarray  # bool, zero-width or bidi control characters (core.invisible)

    #: Column names and descriptions, in display order.
    COLUMNS = (
        ("response_words", "Words in the response"),
        ("near_empty", f"Response has fewer than {NEAR_EMPTY_CHARS} letters or digits"),
        ("refusal", "Response contains a refusal or AI-boilerplate phrase"),
        ("repetition", "Share of the response's word trigrams that repeat an earlier one"),
        ("echo", "Share of the response's word trigrams copied from the prompt"),
        ("garbage", "Share of junk tokens (keyboard mash, repeated units, symbol runs)"),
        ("score", "Heuristic quality score in [0, 1]"),
        ("invisible", "Prompt or response holds zero-width or bidi control characters"),
    )

    def column(self, name: str) -> np.ndarray:
        """One signal by name."""
        return getattr(self, name)

    def flag_mask(self) -> np.ndarray:
        """One uint8 per row with a bit per warning in :data:`FLAG_NAMES`."""
        mask = self.near_empty.astype(np.uint8)
        mask |= self.refusal.astype(np.uint8) << 1
        mask |= (self.echo >= ECHO_FLAG_FROM).astype(np.uint8) << 2
        mask |= (self.garbage >= GARBAGE_FLAG_FROM).astype(np.uint8) << 3
        mask |= (self.repetition >= REPETITIVE_FLAG_FROM).astype(np.uint8) << 4
        mask |= self.invisible.astype(np.uint8) << 5
        return mask


def flag_names(mask: int) -> list[str]:
    """The warnings a :meth:`HeuristicSignals.flag_mask` value stands for."""
    return [name for bit, name in enumerate(FLAG_NAMES) if mask >> bit & 1]


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


def iter_signals(
    prompts: Sequence[str], responses: Sequence[str], chunk_rows: int = 256, pause_s: float = 0.002
):
    """Yield ``(start_row, signals)`` chunk by chunk, so a front end can stream and cancel.

    This is pure Python and holds the GIL while it computes; ``pause_s`` of sleep between
    chunks (about a fifth of the compute time) lets a GUI thread paint without stalling.
    """
    for start in range(0, len(prompts), chunk_rows):
        if start and pause_s:
            time.sleep(pause_s)
        yield (
            start,
            compute_signals(
                prompts[start : start + chunk_rows], responses[start : start + chunk_rows]
            ),
        )
