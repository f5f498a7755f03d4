"""The heuristic signals computed the plain way, one row at a time, straight from the rules.

This is the slow reference the vectorised :mod:`core.scoring.heuristic_kernel` must agree with
(tests/scoring/test_heuristic_kernel.py); it follows the docstring of
:mod:`core.scoring.heuristics` rule by rule, with Python strings, sets and ``re``.
"""

from __future__ import annotations

import re
from unicodedata import category

import numpy as np

from core.invisible import has_invisible
from core.scoring.heuristics import (
    CLOSER_CHARS,
    ECHO_MIN_WORDS,
    KEYBOARD_RUNS,
    MARKUP_CHARS,
    PLACEHOLDER,
    PLACEHOLDER_WANTED,
    PROMPT_JUNK_FROM,
    REFUSAL,
    STRUCTURED,
    VOWELS,
    WORD_EDGE_CHARS,
    HeuristicSignals,
    heuristic_score,
)

_WORD = re.compile(r"\w+")


def trigrams(words: list[str]) -> list[tuple[str, str, str]]:
    return list(zip(words, words[1:], words[2:], strict=False))


def repetition_ratio(words: list[str]) -> float:
    grams = trigrams(words)
    return 1.0 - len(set(grams)) / len(grams) if len(grams) >= 2 else 0.0


def echo_ratio(prompt_words: list[str], response_words: list[str], structured: bool) -> float:
    if structured or not response_words:
        return 0.0
    if len(response_words) < ECHO_MIN_WORDS:
        return 1.0 if response_words == prompt_words else 0.0
    grams = trigrams(response_words)
    known = set(trigrams(prompt_words))
    return sum(g in known for g in grams) / len(grams)


def periodic(text: str) -> bool:
    return any(
        len(text) % unit == 0
        and len(text) // unit >= 3
        and text == text[:unit] * (len(text) // unit)
        for unit in range(1, 5)
    )


def junk_token(token: str) -> bool:
    if not any(c.isalnum() for c in token):
        if not token.isascii() or len(token) < 3:
            return False
        if set(token) <= MARKUP_CHARS or set(token) <= CLOSER_CHARS:
            return False
        return len(set(token)) == 1 or len(token) >= 5
    core = token.strip(WORD_EDGE_CHARS)
    if core.isalnum() and any(c.isalpha() for c in core) and len(core) >= 6 and periodic(core):
        return True
    if not core.isalpha():
        return False
    if core.isascii() and len(core) >= 6 and not set(core) & VOWELS:
        return True
    return any(run in core for run in KEYBOARD_RUNS)


def junk_share(text: str) -> float:
    tokens = text.split()
    return sum(map(junk_token, tokens)) / len(tokens) if tokens else 0.0


def garbage_ratio(prompt: str, response: str) -> float:
    """Both lower-cased."""
    if PLACEHOLDER.search(response) and not PLACEHOLDER_WANTED.search(prompt):
        share = 1.0
    else:
        share = junk_share(response)
    prompt_share = junk_share(prompt)
    return max(share, prompt_share) if prompt_share >= PROMPT_JUNK_FROM else share


def reference_signals(prompts: list[str], responses: list[str]) -> HeuristicSignals:
    n = len(responses)
    words = np.zeros(n, dtype=np.int32)
    empty = np.zeros(n, dtype=bool)
    refusal = np.zeros(n, dtype=bool)
    repetition = np.zeros(n, dtype=np.float32)
    echo = np.zeros(n, dtype=np.float32)
    garbage = np.zeros(n, dtype=np.float32)
    invisible = np.zeros(n, dtype=bool)
    for i, (prompt, response) in enumerate(zip(prompts, responses, strict=True)):
        low_prompt, low_response = prompt.lower(), response.lower()
        response_words = _WORD.findall(low_response)
        words[i] = len(response_words)
        empty[i] = not any(
            c.isalnum() or (ord(c) >= 128 and category(c)[0] == "S") for c in response
        )
        refusal[i] = REFUSAL.search(low_response) is not None
        repetition[i] = repetition_ratio(response_words)
        structured = STRUCTURED.fullmatch(low_response.strip()) is not None
        echo[i] = echo_ratio(_WORD.findall(low_prompt), response_words, structured)
        garbage[i] = garbage_ratio(low_prompt, low_response)
        invisible[i] = has_invisible(prompt) or has_invisible(response)
    score = heuristic_score(empty, repetition, garbage, refusal, echo)
    return HeuristicSignals(words, empty, refusal, repetition, echo, garbage, score, invisible)
