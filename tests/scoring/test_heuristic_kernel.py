"""The vectorised signals are the reference's signals, on real text and on random text."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.scoring.heuristic_kernel import (
    CLASSIFIED_BELOW,
    PLACEHOLDER_KEYS,
    PLACEHOLDER_WANTED_KEYS,
    REFUSAL_KEYS,
    class_table,
)
from core.scoring.heuristics import PLACEHOLDER, PLACEHOLDER_WANTED, REFUSAL, compute_signals
from tests.conftest import ROOT
from tests.scoring.heuristics_reference import reference_signals

FIELDS = (
    "response_words",
    "near_empty",
    "refusal",
    "repetition",
    "echo",
    "garbage",
    "score",
    "invisible",
)
#: Pieces that reach every rule: refusal phrases, placeholders, tool calls, junk, Unicode whose
#: lower case is longer ("İ") or contextual ("Σ"), invisible characters, NUL (the row separator).
PIECES = [
    "as an AI, I",
    "As an AI language model",
    "I can't help",
    "I can’t help but",
    "i'm an ai",
    "I won't write",
    "I am an AI.",
    "lorem ipsum",
    "Lorem",
    "placeholder",
    "asdfasdfasdf",
    "qwerty",
    "xkcdfgh",
    "hahahaha",
    "???",
    "#$%^&",
    "}}",
    "---",
    "😀😃",
    "İ",
    "ΣΑΣ",
    "\u200b",
    "\u202e",
    "\x00",
    '{"name": "f"}',
    "<tool_call>",
    "get(x=1)",
    "the cat sat",
    "’",
    "\n",
    "  ",
    ".",
    ",",
    "no",
    "42",
    "_",
    "ß",
    "ﬁ",
]
text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=12).map(" ".join)
echoing_rows = st.tuples(text, text).map(lambda pair: (pair[0] + " " + pair[1], pair[1]))
rows = st.lists(st.one_of(st.tuples(text, text), echoing_rows), min_size=1, max_size=12)


def assert_same(prompts, responses):
    fast = compute_signals(prompts, responses)
    slow = reference_signals(prompts, responses)
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(fast, field), getattr(slow, field), err_msg=field)


@settings(max_examples=300, deadline=None)
@given(rows)
def test_the_vectorised_signals_equal_the_reference_on_random_text(pairs):
    prompts, responses = (list(column) for column in zip(*pairs, strict=True))
    assert_same(prompts, responses)


def test_they_agree_on_real_text(shared_data, sample):
    import orjson

    records = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())[:1500]
    prompts = [r["instruction"] for r in records] + list(sample.prompts)
    responses = [r["output"] for r in records] + list(sample.responses)
    assert_same(prompts, responses)


def test_no_rows_gives_empty_columns():
    signals = compute_signals([], [])
    assert all(len(getattr(signals, field)) == 0 for field in FIELDS)


def test_the_class_table_is_python_s_own_classes():
    every = "".join(map(chr, range(0x110000)))
    table = class_table()
    word = np.zeros(0x110000, dtype=bool)
    word[[m.start() for m in re.finditer(r"\w", every)]] = True
    assert np.array_equal(table & 1 != 0, word)
    assert np.array_equal(table & 2 != 0, np.fromiter(map(str.isalnum, every), bool))
    assert np.array_equal(table & 8 != 0, np.fromiter(map(str.isspace, every), bool))
    assert not (table[CLASSIFIED_BELOW:] & 0b1111).any()


def test_the_literal_prefilters_cover_their_patterns():
    assert PLACEHOLDER.pattern == "|".join(PLACEHOLDER_KEYS)
    assert PLACEHOLDER_WANTED.pattern == "|".join(PLACEHOLDER_WANTED_KEYS)
    for phrase in (
        "as an ai, i",
        "as an ai language model",
        "as a large language model",
        "i'm an ai.",
        "i am an ai and",
        "i cannot help",
        "i can’t assist",
        "i cant do that",
        "i can not answer",
        "i am unable to help",
        "i am not able to provide",
        "i won’t write",
        "i will not comply",
        "i'm sorry, but i cannot",
        "i don't have personal opinions",
        "my knowledge cutoff",
    ):
        match = REFUSAL.search(phrase)
        assert match, phrase
        assert any(key in phrase for key in REFUSAL_KEYS), phrase


def test_the_warm_up_prepares_every_kernel_an_open_needs():
    """After the app's warm-up (before any file is open), a file's signals compile nothing new.

    A fresh interpreter: in this one other tests have compiled the kernels already. The file is
    every piece that reaches a rule; a kernel the warm-up row does not reach fails here, instead
    of compiling (seconds, mostly holding the GIL) as the first file opens.
    """
    script = (
        "import sys, numba\n"
        "from core.scoring import heuristic_kernel as kernels\n"
        "from core.scoring.heuristics import compute_signals, warm_up_kernels\n"
        "def compiled():\n"
        "    return {n: len(f.signatures) for n, f in vars(kernels).items()"
        " if isinstance(f, numba.core.registry.CPUDispatcher)}\n"
        "assert not any(compiled().values()), compiled()\n"
        "warm_up_kernels()\n"
        "ready = compiled()\n"
        "texts = sys.stdin.read().split('\\0')\n"
        "compute_signals(texts, texts[::-1])\n"
        "print(sorted(n for n, count in compiled().items() if count > ready[n]))\n"
    )
    texts = [*PIECES, " ".join(PIECES), "", "a" * 300, "ha " * 80]
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        input="\0".join(texts),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"compiled after the warm-up: {done.stdout}"


@settings(max_examples=150, deadline=None)
@given(rows, st.integers(1, 4))
def test_the_signals_do_not_depend_on_how_the_text_is_split_for_encoding(pairs, piece):
    """Texts are lower-cased and encoded a piece at a time; a row's span must not shift."""
    from unittest import mock

    from core.scoring import heuristic_kernel

    prompts, responses = (list(column) for column in zip(*pairs, strict=True))
    with mock.patch.object(heuristic_kernel, "ENCODE_PIECE", piece):
        assert_same([*prompts, "İstanbul"], [*responses, "İİ"])
