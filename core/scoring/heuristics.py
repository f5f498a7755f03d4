r"""Offline defect signals: cheap, explainable, and available on every machine.

They find **defects, not quality**. Each signal is its own column so a curator can sort and
filter by it; :func:`heuristic_score` combines them into the score the app uses when no reward
model or judge is available:

``score = 0 if empty, else 1 − (the worst defect's share, 1 for a refusal)``

where a defect is a refusal, an echo (at least :data:`ECHO_FLAG_FROM` of the response's
trigrams copied from the prompt: GSM8K's correct worked answers restate up to 65% of the
question), or more than half (:data:`DEFECT_FROM`) of its trigrams repeated or of its tokens
junk. A row without a defect scores exactly 1 whatever its length, a row with one scores below
0.5, and the default rule (keep ``score ≥ 0.5``, :data:`HEURISTIC_THRESHOLD`) drops exactly
the rows with a defect. Length earns
nothing: measured on real data, a score that rewarded words dropped 96% of the correct answers
of five words or fewer ("No", "42", "mixed") and ranked HH-RLHF's preferred answers below the
rejected ones (issue 20). Ranking by quality needs a reward model or a judge.

The signals (all on the lower-cased text; "words" are ``\w+`` runs, "tokens" are what
``str.split()`` gives):

- **empty**: the response has no letter, digit or emoji-like symbol ("", "…", ":-("). "No",
  "42", "D" and "👍" are answers.
- **refusal**: a refusal or AI boilerplate phrase (:data:`REFUSAL`), with straight or curly
  apostrophes; "I can't help but smile" in a poem is not one.
- **repetition**: the share of the response's word trigrams that repeat an earlier trigram.
- **echo**: the share of the response's word trigrams copied from the prompt. A response of
  fewer than :data:`ECHO_MIN_WORDS` words is an echo only when it is the whole prompt again
  (picking "positive" or "At higher speeds" out of the prompt answers it), and a tool call or
  other JSON answer (:data:`STRUCTURED`) is never one: passing the user's words as arguments is
  its job.
- **garbage**: the share of the response's tokens that are junk, or 1 for "lorem ipsum"
  placeholder text the prompt did not ask for. A token is junk when it is an ASCII symbol run
  ("???", "#$%^&", five or more mixed symbols, or one symbol three or more times) other than
  Markdown rules ("---", "|:--|") and JSON or code closers ("}}", "});"); or, once edge
  punctuation is stripped, a letters-and-digits token of six or more characters that repeats a
  unit of 1–4 ("asdfasdfasdf", "hahahaha"), an ASCII word of six or more letters with no vowel
  ("xkcdfgh"), or a word holding a keyboard run (:data:`KEYBOARD_RUNS`: "qwer", "asdf"…).
  Emoji, regexes ("^[a-z0-9._%+-]+$") and passwords ("xK9#mP2$vL") mix in characters a word
  has not and are not junk. The prompt counts only when it is
  itself junk through and through (at least :data:`PROMPT_JUNK_FROM` of its tokens): quoting
  placeholder text or a regex in a prompt does not make its answer garbage.
- **invisible**: zero-width or bidi control characters in the prompt or response.

:func:`compute_signals` is vectorised (:mod:`core.scoring.heuristic_kernel`: compiled loops and
regular expressions over the joined text of many rows); tests keep a plain per-row reference
and check that both agree on random text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HEURISTIC_THRESHOLD = 0.5
#: How the heuristic scorer is named in manifests and the project (it has no model files).
#: Version 2: defects only, no reward for length.
SCORER_DESCRIPTION = {"model": "heuristic", "version": 2}
#: What the heuristic score can and cannot say, for every place that shows or uses it.
DEFECTS_NOT_QUALITY = (
    "The heuristic score finds defects (empty, refusal, garbage, echo, "
    "repetition), not quality: ranking by quality needs a reward model or a "
    "judge."
)
#: More than this share of repeated trigrams or junk tokens is a defect (less is only flagged).
DEFECT_FROM = 0.5
#: A response shorter than this (in words) is an echo only when it repeats the whole prompt.
ECHO_MIN_WORDS = 6
#: The share of junk tokens from which a prompt makes its row garbage.
PROMPT_JUNK_FROM = 0.5

_APOSTROPHE = "['\u2019]"
#: Refusals and AI boilerplate, searched in the lower-cased response. It never matches the NUL
#: that separates rows in the vectorised search.
REFUSAL = re.compile(
    r"\bas an ai (?:language )?model\b|\bas an ai(?:\s+assistant|\s+chatbot)?\s*(?:,|\bi\b)"
    r"|\bas a (?:large )?language model\b"
    r"|\bi(?: am|" + _APOSTROPHE + r"m) an ai(?:\s+(?:language\s+)?model|\s+assistant)?"
    r"(?=\s*(?:[^\w\s]|\Z)|\s+(?:and|so|i|with|that|created|developed|trained|made|designed)\b)"
    r"|\bi (?:cannot|can"
    + _APOSTROPHE
    + r"?t|can not|am unable to|am not able to|won"
    + _APOSTROPHE
    + r"?t|will not) (?:help|assist|provide|fulfil|fulfill|comply|answer|do that"
    r"|generate|create|write)\b(?!\s+(?:but|it|myself|\w+ing)\b)"
    r"|\bi"
    + _APOSTROPHE
    + r"?m (?:sorry|afraid),? but i (?:cannot|can"
    + _APOSTROPHE
    + r"?t|am unable|am not able|won"
    + _APOSTROPHE
    + r"?t)"
    r"|\bi (?:do not|don" + _APOSTROPHE + r"?t) have personal "
    r"(?:opinions|feelings|experiences|beliefs)"
    r"|\bmy knowledge cutoff\b"
)
#: Placeholder text in a response, and what in a prompt asks for it.
PLACEHOLDER = re.compile(r"lorem ipsum")
PLACEHOLDER_WANTED = re.compile(r"lorem|placeholder|filler|dummy text")
#: A tool call or JSON answer: an object or array (optionally in a function-call tag or a code
#: fence) or a call such as ``get_weather(city="Paris")``, once surrounding space is stripped.
STRUCTURED = re.compile(
    r"(?:<functioncall>|<tool_call>|```(?:json)?)?\s*[\[{][\s\S]*[\]}]\s*(?:</tool_call>|```)?"
    r"|\[?[a-z_][\w.]*\([\s\S]*\)\]?"
)
#: Runs of adjacent keys that no English word contains ("erty" would hit "property").
KEYBOARD_RUNS = (
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
#: Characters of Markdown rules and tables ("---", "|:---:|", "***"): never junk.
MARKUP_CHARS = frozenset("-=*_#.`~|:+'\"")
#: Brackets, quotes and separators that close JSON and code ("}}", "});", "\"]}"): never junk.
CLOSER_CHARS = frozenset("{}[]()<>\"',;:.")
#: Stripped from a token's ends before it is judged as a word ("hmmmm," → "hmmmm").
WORD_EDGE_CHARS = ".,;:!?\"'()\u201c\u201d\u2018\u2019\u00ab\u00bb"
VOWELS = frozenset("aeiouy")

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
    near_empty: np.ndarray  # bool: no letter, digit or non-ASCII symbol in the response
    refusal: np.ndarray  # bool
    repetition: np.ndarray  # float32, share of repeated word trigrams in the response
    echo: np.ndarray  # float32, share of the response's trigrams found in the prompt
    garbage: np.ndarray  # float32, share of junk tokens in the response (see above)
    score: np.ndarray  # float32, :func:`heuristic_score`
    invisible: np.ndarray  # bool, zero-width or bidi control characters (core.invisible)

    #: Column names and descriptions, in display order.
    COLUMNS = (
        ("response_words", "Words in the response"),
        ("near_empty", "Response has no letter, digit or emoji"),
        ("refusal", "Response contains a refusal or AI-boilerplate phrase"),
        ("repetition", "Share of the response's word trigrams that repeat an earlier one"),
        ("echo", "Share of the response's word trigrams copied from the prompt"),
        (
            "garbage",
            "Share of junk tokens in the response (keyboard mash, repeated units, symbol runs)",
        ),
        ("score", "Heuristic defect score in [0, 1]: 1 = no defect found (not a quality rank)"),
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


def heuristic_score(empty, repetition, garbage, refusal, echo):
    """The documented combination of the signals (see the module docstring); arrays or scalars.

    1 minus the worst defect's share (1 for a refusal), 0 for an empty response, and exactly 1
    for a row without a defect; a ratio below its defect level is no defect and costs nothing.
    """

    def defect(share, level, inclusive):
        share = np.asarray(share, dtype=np.float32)
        over = share >= level if inclusive else share > level
        return np.where(over, share, np.float32(0))

    worst = np.maximum(
        np.maximum(defect(repetition, DEFECT_FROM, False), defect(garbage, DEFECT_FROM, False)),
        np.maximum(defect(echo, ECHO_FLAG_FROM, True), np.asarray(refusal, dtype=np.float32)),
    )
    return np.where(empty, np.float32(0), np.float32(1) - worst).astype(np.float32)


def compute_signals(prompts: Sequence[str], responses: Sequence[str]) -> HeuristicSignals:
    """Signals for aligned prompts and responses."""
    # Imported here: numba takes a moment to import, and FLAG_NAMES users need none of it.
    from core.scoring.heuristic_kernel import raw_signals

    if len(prompts) != len(responses):
        raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
    raw = raw_signals(prompts, responses)
    score = heuristic_score(raw.near_empty, raw.repetition, raw.garbage, raw.refusal, raw.echo)
    return HeuristicSignals(
        raw.words,
        raw.near_empty,
        raw.refusal,
        raw.repetition,
        raw.echo,
        raw.garbage,
        score,
        raw.invisible,
    )


#: A row that runs every compiled kernel of :mod:`core.scoring.heuristic_kernel` once.
_WARM_UP_ROW = (
    'Tell me about Zürich, {"a": 1} [lorem ipsum]',
    "Sure! asdfgh qwerty ... ha ha ha ha ha ha. I'm sorry, I cannot help with that.",
)


def warm_up_kernels() -> None:
    """Load (or compile) the signal kernels now, so the first file opened does not wait on them."""
    compute_signals([_WARM_UP_ROW[0]], [_WARM_UP_ROW[1]])


def iter_signals(
    prompts: Sequence[str], responses: Sequence[str], chunk_rows: int = 8192, pause_s: float = 0.002
):
    """Yield ``(start_row, signals)`` chunk by chunk, so a front end can stream and cancel.

    The compiled loops release the GIL, but joining and searching the text hold it; ``pause_s``
    of sleep between chunks lets a GUI thread paint without stalling.
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
