"""The compiled n-gram path finds exactly what the numpy path finds, byte for byte.

The numpy code is the definition (and the fallback without numba); the numba kernels are only
faster. Both run on real data here: GSM8K questions, the Koala and Vicuna prompts and
HH-RLHF first turns (with their curly quotes, URLs and non-ASCII text) against a reference
mixing the evaluation prompts with GSM8K questions, so there are many hits, short records
matched whole and boilerplate-like repeats.
"""

from __future__ import annotations

import gzip

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.generators import run_to_end
from core.overlap import kernels, ngrams, words
from core.overlap.kernels import compiled

FIELDS = ("rows", "ref_rows", "shared", "coverage", "span")


@pytest.fixture
def path(monkeypatch):
    """Choose the compiled (True) or numpy (False) path, whatever the size of the texts."""

    def choose(compiled_path: bool):
        monkeypatch.setattr(kernels, "FORCE", compiled_path)

    return choose


def real_texts(shared) -> tuple[list[str], list[str]]:
    gsm = [r["instruction"] for r in orjson.loads((shared / "gsm_8k_train.json").read_bytes())]
    koala = [
        orjson.loads(line)["prompt"]
        for line in (shared / "koala_test_set.jsonl").read_bytes().splitlines()
    ]
    vicuna = [
        orjson.loads(line)["text"]
        for line in (shared / "vicuna_test_set.jsonl").read_bytes().splitlines()
    ]
    with gzip.open(shared / "hh_rlhf_harmless_base_test.jsonl.gz") as handle:
        hh = [orjson.loads(line)["chosen"].split("\n\nAssistant:")[0] for line in handle]
    texts = gsm[:3000] + koala + vicuna + hh + [t.upper() for t in koala]
    reference = koala + vicuna + gsm[2500:3500] + hh[:200]
    return texts, reference


def test_numba_is_available_for_the_fast_path():
    assert compiled() is not None


def test_small_checks_do_not_load_numba_large_ones_do():
    """Loading the kernels costs a second or two: worth it only past a few MB of text."""
    kernels.compiled.cache_clear()
    assert kernels.for_size(kernels.MIN_CHARS - 1) is None
    assert kernels.for_size(kernels.MIN_CHARS) is not None
    assert kernels.for_size(10) is not None  # once loaded, every check uses them


def test_real_data_matches_are_identical_with_and_without_numba(shared_data, path):
    texts, reference = real_texts(shared_data)
    path(True)
    fast_index = run_to_end(ngrams.build_index(reference, 13, 8))
    fast = run_to_end(ngrams.match(texts, fast_index))
    assert len(fast.rows) > 1000
    path(False)
    slow_index = run_to_end(ngrams.build_index(reference, 13, 8))
    slow = run_to_end(ngrams.match(texts, slow_index))
    for field in ("hashes", "owners", "grams", "lengths"):
        assert np.array_equal(getattr(fast_index, field), getattr(slow_index, field)), field
    for field in FIELDS:
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field


@settings(max_examples=100, deadline=None)
@given(
    refs=st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "the", "B"]), max_size=40).map(" ".join),
        min_size=1,
        max_size=80,
    )
)
def test_the_index_is_the_same_with_and_without_numba(refs):
    """One n-gram in many records (past 32 they are sorted another way), repeats, short ones."""
    indices = []
    for compiled_path in (True, False):
        saved = kernels.FORCE
        kernels.FORCE = compiled_path
        try:
            indices.append(run_to_end(ngrams.build_index(refs, 4, 2)))
        finally:
            kernels.FORCE = saved
    fast, slow = indices
    for field in ("hashes", "owners", "grams", "lengths"):
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field


texts_strategy = st.lists(
    st.text(alphabet=st.sampled_from(list("ab .'’,-\nÉé中文 x")), max_size=30),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(texts=texts_strategy)
def test_word_hashes_are_the_numpy_definition_on_any_text(texts):
    """Joiners at text edges, runs of marks, non-ASCII words: the same words, same hashes."""
    fast = list(words.word_hashes(texts, compiled()))
    lengths = np.array([len(words._encoded(t)) for t in texts], dtype=np.int64)
    joined = " ".join(words._encoded(t).decode() for t in texts).encode()
    slow_hashes, slow_counts = words.numpy_block_hashes(joined, lengths)
    assert len(fast) == 1
    assert np.array_equal(fast[0][0], slow_hashes)
    assert np.array_equal(fast[0][1], slow_counts)


def test_a_phrase_in_hundreds_of_records_matches_the_same_on_both_paths(path):
    """Past MAX_RECORDS_PER_GRAM records per n-gram, both paths use the same first ones."""
    phrase = "please answer the following question carefully and show all of your working"
    reference = [f"{phrase} record {i} " + "word " * (i % 7) for i in range(300)]
    texts = [f"intro {phrase} record 250", "unrelated text " * 5, f"{phrase} record 3 word"]
    results = []
    for compiled_path in (True, False):
        path(compiled_path)
        index = run_to_end(ngrams.build_index(reference, 13, 8))
        results.append(run_to_end(ngrams.match(texts, index)))
    fast, slow = results
    assert fast.rows.tolist() == [0, 2]
    for field in FIELDS:
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field
