"""The heuristic signals of many rows at once: compiled loops and joined-text searches.

The pure-Python version ran at about 7k rows/s and held the GIL, so a million rows took minutes
and stalled the window. Here the rows of a chunk are lower-cased and joined (NUL between rows)
once; the phrase searches (refusals, placeholders, invisible characters) run one regular
expression over the joined text and map each hit back to its row; words, tokens, trigrams and
junk tokens are found by a numba loop over the text's code points that releases the GIL.
Words are compared by 64-bit hashes, so two different trigrams count as equal only on a hash
collision (about one in 10^19 per pair).

The rules are those documented in :mod:`core.scoring.heuristics`; the tests keep a plain
per-row reference of them and check that both agree on random text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from unicodedata import category

import numba
import numpy as np

from core.invisible import INVISIBLE
from core.scoring.heuristics import (
    CLOSER_CHARS,
    ECHO_MIN_WORDS,
    KEYBOARD_RUNS,
    MARKUP_CHARS,
    PROMPT_JUNK_FROM,
    REFUSAL,
    STRUCTURED,
    VOWELS,
    WORD_EDGE_CHARS,
)

# Bits of the per-code-point class table.
WORD, ALNUM, ALPHA, SPACE, MARKUP, CLOSER, EDGE, VOWEL, HIDDEN, SYMBOL = (1 << i for i in range(10))
#: Literals one of which every :data:`REFUSAL` match contains: rows without any skip the search.
REFUSAL_KEYS = (
    "an ai",
    "language model",
    "i can",
    "i am unable",
    "i am not able",
    "i won",
    "i will not",
    "personal",
    "knowledge cutoff",
)
#: :data:`core.scoring.heuristics.PLACEHOLDER` and ``PLACEHOLDER_WANTED`` as literals (those
#: patterns are alternations of these; a test keeps them in step).
PLACEHOLDER_KEYS = ("lorem ipsum",)
PLACEHOLDER_WANTED_KEYS = ("lorem", "placeholder", "filler", "dummy text")
_STRUCTURED_ENDS = np.array([ord(c) for c in "]})`>"], dtype=np.uint32)
#: Texts lower-cased and encoded per call (see :func:`_encode`).
ENCODE_PIECE = 1024
#: numba caches compiled kernels beside their source file; a frozen app has no source files,
#: so there they compile once per launch (on the flags worker, a few seconds).
CACHE = not getattr(sys, "frozen", False)
_NO_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class RawSignals:
    """The signals before they are combined into a score."""

    words: np.ndarray  # int32
    near_empty: np.ndarray  # bool
    refusal: np.ndarray  # bool
    repetition: np.ndarray  # float32
    echo: np.ndarray  # float32
    garbage: np.ndarray  # float32
    invisible: np.ndarray  # bool


#: No code point from here up is a letter, digit or space (tested against this Python's
#: Unicode database), so the table is only computed below it.
CLASSIFIED_BELOW = 0x32400


@cache
def class_table() -> np.ndarray:
    """One byte of class bits per Unicode code point (built once, about 0.2 s)."""
    every = "".join(map(chr, range(CLASSIFIED_BELOW)))
    table = np.zeros(0x110000, dtype=np.uint16)
    table[[m.start() for m in re.finditer(r"\w", every)]] |= WORD
    for bit, test in ((ALNUM, str.isalnum), (ALPHA, str.isalpha), (SPACE, str.isspace)):
        table[:CLASSIFIED_BELOW][np.fromiter(map(test, every), dtype=bool, count=len(every))] |= bit
    for bit, chars in (
        (MARKUP, MARKUP_CHARS),
        (CLOSER, CLOSER_CHARS),
        (EDGE, WORD_EDGE_CHARS),
        (VOWEL, VOWELS),
    ):
        table[[ord(c) for c in chars]] |= bit
    table[[m.start() for m in INVISIBLE.finditer(every)]] |= HIDDEN
    table[[i for i in range(128, len(every)) if category(every[i])[0] == "S"]] |= SYMBOL
    return table


@cache
def keyboard_runs() -> np.ndarray:
    """The keyboard runs for the kernel, as two rows of one int64 array.

    Row 0 (the first 676 entries) says which two lower-case letters open a run (index
    ``26·a + b``); row 1 holds how many runs there are, then each run's four codes packed into
    one integer.
    """
    table = np.zeros((2, 26 * 26), dtype=np.int64)
    for k, run in enumerate(KEYBOARD_RUNS, start=1):
        table[0, (ord(run[0]) - 97) * 26 + ord(run[1]) - 97] = 1
        table[1, k] = _pack(run)
    table[1, 0] = len(KEYBOARD_RUNS)
    return table


def _pack(run: str) -> int:
    return sum(ord(c) << (8 * i) for i, c in enumerate(run))


def _encode(texts: Sequence[str]) -> tuple[str, np.ndarray, np.ndarray]:
    """The lower-cased texts joined by NUL, their code points, and each text's start.

    Lower-cased and encoded :data:`ENCODE_PIECE` texts at a time: a whole chunk in one call
    held the GIL for about 40 ms at 1M rows while the window was waiting to paint.
    """
    if not len(texts):
        return "", np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64)
    lowered_pieces: list[str] = []
    code_pieces: list[np.ndarray] = []
    length_pieces: list[np.ndarray] = []
    nul = np.zeros(1, dtype=np.uint32)
    for start in range(0, len(texts), ENCODE_PIECE):
        piece = texts[start : start + ENCODE_PIECE]
        lowered = "\x00".join(piece).lower()
        lengths = np.fromiter(map(len, piece), dtype=np.int64, count=len(piece))
        if len(lowered) != int(lengths.sum()) + len(piece) - 1:
            # Lower-casing lengthened a character ("İ" → "i̇"): lower each text to find its span.
            low = [text.lower() for text in piece]
            lowered = "\x00".join(low)
            lengths = np.fromiter(map(len, low), dtype=np.int64, count=len(low))
        if code_pieces:
            code_pieces.append(nul)  # the NUL between this piece's first text and the last one's
        code_pieces.append(
            np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        )
        lowered_pieces.append(lowered)
        length_pieces.append(lengths)
    lengths = np.concatenate(length_pieces)
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=starts[1:])
    return "\x00".join(lowered_pieces), np.concatenate(code_pieces), starts


def _rows_containing(keys: Sequence[str], joined: str, starts: np.ndarray) -> np.ndarray:
    """Rows of the NUL-joined text that contain any of the literals ``keys`` (str.find is fast)."""
    hits = []
    for key in keys:
        at = joined.find(key)
        while at >= 0:
            hits.append(at)
            at = joined.find(key, at + 1)
    found = np.zeros(len(starts) - 1, dtype=bool)
    found[np.searchsorted(starts, np.array(hits, dtype=np.int64), side="right") - 1] = True
    return found


def _rows_matching(
    pattern: re.Pattern, keys: Sequence[str], joined: str, starts: np.ndarray
) -> np.ndarray:
    """Rows in which ``pattern`` occurs; only rows holding one of its ``keys`` are searched."""
    found = _rows_containing(keys, joined, starts)
    for row in np.flatnonzero(found):
        found[row] = pattern.search(joined, starts[row], starts[row + 1] - 1) is not None
    return found


def _structured(
    joined: str, codes: np.ndarray, starts: np.ndarray, first: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """Rows whose stripped response is a tool call or JSON (:data:`STRUCTURED`).

    Only rows that end in a bracket, brace, fence or tag are tried against the pattern.
    """
    result = np.zeros(len(first), dtype=bool)
    rows = np.flatnonzero(last >= 0)
    rows = rows[np.isin(codes[starts[rows] + last[rows]], _STRUCTURED_ENDS)]
    for row in rows:
        text = joined[starts[row] + first[row] : starts[row] + last[row] + 1]
        result[row] = STRUCTURED.fullmatch(text) is not None
    return result


def _unasked_placeholders(
    response_text: str, response_starts: np.ndarray, prompt_text: str, prompt_starts: np.ndarray
) -> np.ndarray:
    """Rows whose response holds placeholder text that their prompt does not ask for."""
    found = _rows_containing(PLACEHOLDER_KEYS, response_text, response_starts)
    for row in np.flatnonzero(found):
        prompt = prompt_text[prompt_starts[row] : prompt_starts[row + 1] - 1]
        found[row] = not any(key in prompt for key in PLACEHOLDER_WANTED_KEYS)
    return found


def raw_signals(prompts: Sequence[str], responses: Sequence[str]) -> RawSignals:
    """Every signal of aligned prompts and responses."""
    n = len(responses)
    if not n:
        empty = np.zeros(0, dtype=bool)
        ratio = np.zeros(0, dtype=np.float32)
        return RawSignals(np.zeros(0, dtype=np.int32), empty, empty, ratio, ratio, ratio, empty)
    response_text, response_codes, response_starts = _encode(responses)
    prompt_text, prompt_codes, prompt_starts = _encode(prompts)
    table = class_table()
    first, last = _edges(response_codes, response_starts, table)
    refusal = _rows_matching(REFUSAL, REFUSAL_KEYS, response_text, response_starts)
    placeholder = _unasked_placeholders(response_text, response_starts, prompt_text, prompt_starts)
    invisible = np.zeros(n, dtype=bool)
    structured = _structured(response_text, response_codes, response_starts, first, last)
    words = np.zeros(n, dtype=np.int32)
    near_empty = np.zeros(n, dtype=bool)
    repetition = np.zeros(n, dtype=np.float64)
    echo = np.zeros(n, dtype=np.float64)
    garbage = np.zeros(n, dtype=np.float64)
    _row_signals(
        response_codes,
        response_starts,
        prompt_codes,
        prompt_starts,
        table,
        keyboard_runs(),
        structured,
        placeholder,
        ECHO_MIN_WORDS,
        PROMPT_JUNK_FROM,
        words,
        near_empty,
        repetition,
        echo,
        garbage,
        invisible,
    )
    return RawSignals(
        words,
        near_empty,
        refusal,
        repetition.astype(np.float32),
        echo.astype(np.float32),
        garbage.astype(np.float32),
        invisible,
    )


@numba.njit(nogil=True, cache=CACHE)
def _edges(codes, starts, table):  # pragma: no cover - compiled
    """Each row's first and last non-space position (relative to its start; -1 when blank)."""
    n = len(starts) - 1
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    for row in range(n):
        start, end = starts[row], starts[row + 1] - 1
        for i in range(start, end):
            if not table[codes[i]] & SPACE:
                first[row] = i - start
                break
        for i in range(end - 1, start - 1, -1):
            if not table[codes[i]] & SPACE:
                last[row] = i - start
                break
    return first, last


_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xC2B2AE3D27D4EB4F)


@numba.njit(nogil=True, cache=CACHE)
def _word_hashes(codes, start, end, table, out):  # pragma: no cover - compiled
    r"""Hash each ``\w+`` run of ``codes[start:end]`` into ``out``; returns how many."""
    count = 0
    inside = False
    h = _FNV_OFFSET
    for i in range(start, end):
        if table[codes[i]] & WORD:
            if not inside:
                inside = True
                h = _FNV_OFFSET
            h = (h ^ np.uint64(codes[i])) * _FNV_PRIME
        elif inside:
            out[count] = h
            count += 1
            inside = False
    if inside:
        out[count] = h
        count += 1
    return count


@numba.njit(nogil=True, cache=CACHE)
def _trigrams(words, count, out):  # pragma: no cover - compiled
    """Hash each run of three consecutive word hashes into ``out``; returns how many."""
    grams = max(0, count - 2)
    for i in range(grams):
        out[i] = ((words[i] * _MIX_A) ^ words[i + 1]) * _MIX_B ^ words[i + 2]
    return grams


@numba.njit(nogil=True, cache=CACHE)
def _periodic(codes, start, end):  # pragma: no cover - compiled
    """Whether ``codes[start:end]`` is one unit of 1–4 characters repeated at least 3 times."""
    length = end - start
    for unit in range(1, 5):
        if length % unit or length // unit < 3:
            continue
        same = True
        for i in range(start + unit, end):
            if codes[i] != codes[i - unit]:
                same = False
                break
        if same:
            return True
    return False


@numba.njit(nogil=True, cache=CACHE)
def _symbol_junk(codes, start, end, table):  # pragma: no cover - compiled
    """Whether a token without letters or digits is junk (an ASCII symbol run)."""
    length = end - start
    if length < 3:
        return False
    all_markup = True
    all_closer = True
    same = True
    for i in range(start, end):
        if codes[i] >= 128:
            return False
        bits = table[codes[i]]
        if not bits & MARKUP:
            all_markup = False
        if not bits & CLOSER:
            all_closer = False
        if codes[i] != codes[start]:
            same = False
    if all_markup or all_closer:
        return False
    return same or length >= 5


@numba.njit(nogil=True, cache=CACHE)
def _junk(codes, start, end, table, runs):  # pragma: no cover - compiled
    """Whether the token ``codes[start:end]`` is junk (the rules in core.scoring.heuristics).

    One pass over the token once its edge punctuation is stripped; a keyboard run is looked
    for only where two letters open one (:func:`run_openers`).
    """
    has_alnum = False
    for i in range(start, end):
        if table[codes[i]] & ALNUM:
            has_alnum = True
            break
    if not has_alnum:
        return _symbol_junk(codes, start, end, table)
    while start < end and table[codes[start]] & EDGE:
        start += 1
    while end > start and table[codes[end - 1]] & EDGE:
        end -= 1
    length = end - start
    all_alnum = True
    all_alpha = True
    any_alpha = False
    ascii_only = True
    any_vowel = False
    keyboard = False
    for i in range(start, end):
        code = codes[i]
        bits = table[code]
        if not bits & ALNUM:
            all_alnum = False
        if bits & ALPHA:
            any_alpha = True
        else:
            all_alpha = False
        if code >= 128:
            ascii_only = False
        if bits & VOWEL:
            any_vowel = True
        if (
            not keyboard
            and i + 3 < end
            and 97 <= code <= 122
            and 97 <= codes[i + 1] <= 122
            and runs[0, (code - 97) * 26 + codes[i + 1] - 97]
        ):
            packed = (
                np.int64(code)
                | np.int64(codes[i + 1]) << 8
                | np.int64(codes[i + 2]) << 16
                | np.int64(codes[i + 3]) << 24
            )
            for k in range(1, runs[1, 0] + 1):
                if runs[1, k] == packed:
                    keyboard = True
    if all_alnum and any_alpha and length >= 6 and _periodic(codes, start, end):
        return True
    if not all_alpha or length == 0:
        return False
    if ascii_only and length >= 6 and not any_vowel:
        return True
    return keyboard


@numba.njit(nogil=True, cache=CACHE)
def _next_token(codes, i, end, table):  # pragma: no cover - compiled
    """The bounds of the first ``str.split()`` token of ``codes[i:end]``; ``(end, end)`` if none."""
    while i < end and table[codes[i]] & SPACE:
        i += 1
    token_start = i
    while i < end and not table[codes[i]] & SPACE:
        i += 1
    return token_start, i


@numba.njit(nogil=True, cache=CACHE)
def _junk_share(codes, start, end, table, runs):  # pragma: no cover - compiled
    """The share of ``str.split()`` tokens of ``codes[start:end]`` that are junk."""
    tokens = 0
    junk = 0
    token_start, i = _next_token(codes, start, end, table)
    while token_start < end:
        tokens += 1
        if _junk(codes, token_start, i, table, runs):
            junk += 1
        token_start, i = _next_token(codes, i, end, table)
    return junk / tokens if tokens else 0.0


@numba.njit(nogil=True, cache=CACHE)
def _junk_share_from(codes, start, end, table, runs, level):  # pragma: no cover - compiled
    """:func:`_junk_share` when it is at least ``level``, else -1.

    Stops as soon as the share can no longer reach ``level``: a prompt is judged only when it
    is mostly junk, and a normal prompt is settled after about half its tokens.
    """
    tokens = 0
    token_start, i = _next_token(codes, start, end, table)
    while token_start < end:
        tokens += 1
        token_start, i = _next_token(codes, i, end, table)
    if not tokens:
        return 0.0 if level <= 0.0 else -1.0
    junk = 0
    seen = 0
    token_start, i = _next_token(codes, start, end, table)
    while token_start < end:
        seen += 1
        if _junk(codes, token_start, i, table, runs):
            junk += 1
        if (junk + tokens - seen) / tokens < level:
            return -1.0
        token_start, i = _next_token(codes, i, end, table)
    return junk / tokens


@numba.njit(nogil=True, cache=CACHE)
def _row_signals(
    codes,
    starts,
    prompt_codes,
    prompt_starts,
    table,
    runs,
    structured,
    placeholder,
    echo_min_words,
    prompt_junk_from,
    words,
    near_empty,
    repetition,
    echo,
    garbage,
    invisible,
):  # pragma: no cover - compiled
    """Fill the per-row outputs (see :func:`raw_signals`)."""
    n = len(starts) - 1
    longest = 1
    for row in range(n):
        longest = max(
            longest, starts[row + 1] - starts[row], prompt_starts[row + 1] - prompt_starts[row]
        )
    response_words = np.empty(longest, dtype=np.uint64)
    prompt_words = np.empty(longest, dtype=np.uint64)
    response_grams = np.empty(longest, dtype=np.uint64)
    prompt_grams = np.empty(longest, dtype=np.uint64)
    for row in range(n):
        start, end = starts[row], starts[row + 1] - 1
        prompt_start, prompt_end = prompt_starts[row], prompt_starts[row + 1] - 1
        empty = True
        hidden = False
        for i in range(start, end):
            bits = table[codes[i]]
            if bits & (ALNUM | SYMBOL):
                empty = False
            if bits & HIDDEN:
                hidden = True
        for i in range(prompt_start, prompt_end):
            if table[prompt_codes[i]] & HIDDEN:
                hidden = True
                break
        near_empty[row] = empty
        invisible[row] = hidden
        count = _word_hashes(codes, start, end, table, response_words)
        words[row] = count
        grams = _trigrams(response_words, count, response_grams)
        ordered = response_grams[:grams]
        ordered.sort()  # in place: the echo below needs the set of trigrams, not their order
        if grams >= 2:
            unique = 1
            for i in range(1, grams):
                if ordered[i] != ordered[i - 1]:
                    unique += 1
            repetition[row] = 1.0 - unique / grams
        prompt_count = _word_hashes(prompt_codes, prompt_start, prompt_end, table, prompt_words)
        if structured[row] or count == 0:
            echo[row] = 0.0
        elif count < echo_min_words:
            same = count == prompt_count
            for i in range(count):
                if not same:
                    break
                same = response_words[i] == prompt_words[i]
            echo[row] = 1.0 if same else 0.0
        else:
            prompt_gram_count = _trigrams(prompt_words, prompt_count, prompt_grams)
            known = prompt_grams[:prompt_gram_count]
            known.sort()
            copied = 0
            at = 0
            for i in range(grams):  # both sorted: one merge walk
                while at < prompt_gram_count and known[at] < ordered[i]:
                    at += 1
                if at < prompt_gram_count and known[at] == ordered[i]:
                    copied += 1
            echo[row] = copied / grams
        share = 1.0 if placeholder[row] else _junk_share(codes, start, end, table, runs)
        prompt_share = _junk_share_from(
            prompt_codes, prompt_start, prompt_end, table, runs, prompt_junk_from
        )
        garbage[row] = max(share, prompt_share) if prompt_share >= prompt_junk_from else share
