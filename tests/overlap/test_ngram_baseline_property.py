r"""The hashed 13-gram level flags exactly the rows a plain Python n-gram-set script flags.

The script is the benchmark's baseline written out plainly: NFKC, case-folded, an apostrophe
or full stop between two word characters dropped, words are ``\w+``, and a row overlaps when
one of its 13-word windows is a 13-word window of a reference record. Texts mix scripts,
case, typographic and ASCII apostrophes, ligatures, full-width letters and odd spacing, and
rows copy stretches of the references with such edits, so that hits are common and the
words at a copied stretch's edges are the tricky ones. Both paths (numba and numpy) are held
to it.

A hashed matcher could in principle over-flag through a 64-bit hash collision; over these
examples it never does, which is what this asserts.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.generators import run_to_end
from core.overlap import kernels
from core.overlap.ngrams import build_index, match

N = 13
_WORD = re.compile(r"\w+")
_INNER = re.compile(r"(?<=\w)['’.](?=\w)")

#: Words that differ only by case, accents, apostrophes, width or script, and a few marks.
VOCABULARY = [
    "it's",
    "It’s",
    "its",
    "IT'S",
    "piñata",
    "PIÑATA",
    "pinata",
    "entrée",
    "Straße",
    "STRASSE",
    "ﬁle",
    "file",
    "Ｆｉｌｅ",
    "ΣΟΦΊΑ",
    "σοφία",
    "Москва",
    "москва",
    "中文",
    "東京タワー",
    "हिन्दी",
    "e.g",
    "a.b.c",
    "x",
    "y",
    "z",
    "the",
    "THE",
    "a",
    "1",
    "23",
    "_",
    "don't",
    "dont",
]
SEPARATORS = [" ", "  ", ", ", ". ", "! ", "\n", "\u00a0", "\u2028", "\u3000", " — ", "…", "'", "’"]


def plain_words(text: str) -> list[str]:
    return _WORD.findall(_INNER.sub("", unicodedata.normalize("NFKC", text).casefold()))


def plain_flagged(texts: list[str], refs: list[str]) -> set[int]:
    grams = set()
    for ref in refs:
        words = plain_words(ref)
        grams.update(tuple(words[i : i + N]) for i in range(len(words) - N + 1))
    flagged = set()
    for row, text in enumerate(texts):
        words = plain_words(text)
        if any(tuple(words[i : i + N]) in grams for i in range(len(words) - N + 1)):
            flagged.add(row)
    return flagged


@st.composite
def sentence(draw, min_words=0, max_words=30) -> str:
    words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=min_words, max_size=max_words))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    return "".join(word + sep for word, sep in zip(words, seps, strict=True))


EDITS = [
    lambda text: text,
    str.upper,
    str.lower,
    lambda text: text.replace("'", "’"),
    lambda text: text.replace("’", "'"),
    lambda text: text.replace(" ", "  "),
    lambda text: "piñata " + text,  # an accent elsewhere in the row
]


@st.composite
def corpus(draw) -> tuple[list[str], list[str]]:
    refs = draw(st.lists(sentence(min_words=N - 2), min_size=1, max_size=5))
    texts = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            ref = draw(st.sampled_from(refs))
            start = draw(st.integers(0, len(ref)))
            stop = draw(st.integers(start, len(ref)))
            edit = draw(st.sampled_from(EDITS))
            texts.append(
                draw(sentence(max_words=4)) + edit(ref[start:stop]) + draw(sentence(max_words=4))
            )
        else:
            texts.append(draw(sentence()))
    return texts, refs


@pytest.mark.parametrize("compiled_path", [True, False], ids=["numba", "numpy"])
@settings(max_examples=200, deadline=None)
@given(data=corpus())
def test_the_13_gram_level_flags_exactly_the_plain_baseline_rows(compiled_path, data):
    texts, refs = data
    saved = kernels.FORCE
    kernels.FORCE = compiled_path
    try:
        index = run_to_end(build_index(refs, N, N))
        found = run_to_end(match(texts, index))
    finally:
        kernels.FORCE = saved
    assert set(found.rows.tolist()) == plain_flagged(texts, refs)


@pytest.mark.parametrize("compiled_path", [True, False], ids=["numba", "numpy"])
def test_an_accent_elsewhere_does_not_change_the_words(compiled_path, monkeypatch):
    """The benchmark's mismatch: "what's" must be one word whether or not "entrée" is near."""
    monkeypatch.setattr(kernels, "FORCE", compiled_path)
    leaked = "If Justin has 23 dogs, what's the total number of legs that Camden's dogs have?"
    reference = ["He ordered the entrée. " + leaked]
    rows = [leaked, "It's Ava's party. " + leaked.upper(), "Nothing in common here at all."]
    found = run_to_end(match(rows, run_to_end(build_index(reference, N, N))))
    assert found.rows.tolist() == [0, 1]
    assert plain_flagged(rows, reference) == {0, 1}
