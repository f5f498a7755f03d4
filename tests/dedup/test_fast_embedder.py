"""The fast embedder: built once and cached, verified on load, and as good as MiniLM's pairs.

The model is distilled once per test session through the same code a user's first semantic run
takes (``fast_embedder_build`` in tests/conftest.py); every test then copies it into its own
data folder, where :func:`core.dedup.run.find_duplicates` looks for it.
"""

from __future__ import annotations

import os
import random
import unicodedata

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.dedup.config import DedupConfig
from core.dedup.edges import SEMANTIC
from core.dedup.embedder import embedder_files, open_embedder
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED, default_threshold
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.dedup.static_embedder import (
    MANIFEST_FILE,
    MAX_CHARS,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
    StaticEmbedder,
    StaticModelError,
    check_cache,
)
from core.generators import run_to_end
from core.loading import load
from tests.conftest import fast_embedder_in
from tests.dedup.paraphrase import paraphrase


@pytest.fixture
def fast_cache(fast_embedder_build, tmp_path):
    """The built fast embedder in this test's data folder (THRESHER_DATA_DIR)."""
    built, _ = fast_embedder_build
    return fast_embedder_in(tmp_path / "data", built)


def _semantic_run(dataset, embedder=FAST, threshold=None):
    settings = DedupConfig(
        exact=False,
        near=None,
        embedder=embedder,
        device="cpu",
        semantic=threshold or default_threshold(embedder),
    )
    progress = []
    generator = find_duplicates(dataset, settings)
    while True:
        try:
            progress.append(next(generator))
        except StopIteration as done:
            return done.value, progress


def test_the_build_reports_progress_and_writes_only_safe_files(fast_embedder_build):
    folder, progress = fast_embedder_build
    building = [p for p in progress if "building the fast embedder" in p.stage]
    assert len(building) > 10 and any(p.done == p.total > 30_000 for p in building)
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [WEIGHTS_FILE, TOKENIZER_FILE, MANIFEST_FILE]
    )
    manifest = check_cache(folder, embedder_files(FAST))
    assert manifest["dims"] == 256 and manifest["tokens"] == 30522
    # Nothing was left behind in the parent folder by the staged build.
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]


def test_a_run_reuses_the_cached_model_without_building(fast_cache, write):
    path = write(
        "pairs.jsonl",
        b"".join(
            orjson.dumps(r) + b"\n"
            for r in (
                {"instruction": "How many legs does a spider have?", "output": "Eight."},
                {"instruction": "Please answer: how many legs does a spider have?", "output": "8"},
                {"instruction": "Write a haiku about the sea.", "output": "Waves..."},
            )
        ),
    )
    result, progress = _semantic_run(load(path))
    assert not any("building" in p.stage for p in progress)
    assert any("fast embedder" in p.stage for p in progress)
    edges = result.edges[SEMANTIC].at_least(default_threshold(FAST))
    assert list(zip(edges.first.tolist(), edges.second.tolist(), strict=True)) == [(0, 1)]
    assert result.settings.embedder == FAST


def test_texts_cut_at_the_character_limit_are_counted_in_the_notes(fast_cache, write):
    long_text = "How many legs does a spider have? " * (MAX_CHARS // 20)
    path = write(
        "long.jsonl",
        b"".join(
            orjson.dumps(r) + b"\n"
            for r in (
                {"instruction": long_text, "output": "Eight."},
                {"instruction": long_text + " Please answer briefly.", "output": "8"},
                {"instruction": "Write a haiku about the sea.", "output": "Waves..."},
            )
        ),
    )
    dataset = load(path)
    result, _ = _semantic_run(dataset)
    assert result.report["truncated"] == 2 and result.report["embedded"] == 3
    notes = build_table(dataset, result).summary()["notes"]
    assert any(
        f"2 of 3 distinct texts were cut at the embedder's limit of {MAX_CHARS:,} "
        "characters" in note
        for note in notes
    ), notes


def test_each_embedder_has_its_own_calibrated_threshold():
    assert default_threshold(BUNDLED) == pytest.approx(0.90)
    assert default_threshold(FAST) > default_threshold(BUNDLED)
    assert default_threshold("/some/other/model") == pytest.approx(0.90)
    # On a CPU the curator gets MiniLM's judgement: the fast embedder proposes, MiniLM decides.
    assert DedupConfig(semantic=0.9).embedder == VERIFIED


def _real_prompts(shared_data, rng):
    gsm = [r["instruction"] for r in orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())]

    def jsonl(name, key):
        return [
            orjson.loads(line)[key]
            for line in (shared_data / name).read_bytes().splitlines()
            if line.strip()
        ]

    return (
        rng.sample(gsm, 150)
        + rng.sample(jsonl("seed_tasks.jsonl", "instruction"), 75)
        + rng.sample(jsonl("koala_test_set.jsonl", "prompt"), 75)
    )


def test_planted_paraphrases_of_real_prompts_are_found(fast_cache, shared_data, tmp_path):
    rng = random.Random(11)
    originals = _real_prompts(shared_data, rng)
    sources = rng.sample(range(len(originals)), 100)
    copies = [paraphrase(originals[s], rng) for s in sources]
    path = tmp_path / "planted.jsonl"
    path.write_bytes(
        b"".join(orjson.dumps({"prompt": t, "response": "ok"}) + b"\n" for t in originals + copies)
    )
    result, _ = _semantic_run(load(path))
    edges = result.edges[SEMANTIC].at_least(default_threshold(FAST))
    found = set(zip(edges.first.tolist(), edges.second.tolist(), strict=True))
    planted = {(s, len(originals) + i) for i, s in enumerate(sources)}
    recall = len(planted & found) / len(planted)
    assert recall >= 0.9, f"recall {recall:.2f} of planted paraphrases"
    # Different real prompts are not called duplicates of one another.
    between_originals = {(a, b) for a, b in found if b < len(originals)}
    assert len(between_originals) <= 3, between_originals


def test_a_damaged_cache_is_rebuilt_with_a_clear_notice(fast_cache, write):
    weights = fast_cache / WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    path = write(
        "two.jsonl",
        b'{"prompt": "Name a red fruit.", "response": "Apple"}\n'
        b'{"prompt": "Name one red fruit.", "response": "Cherry"}\n',
    )
    result, progress = _semantic_run(load(path))
    notices = [p.notice for p in progress if p.notice]
    assert len(notices) == 1
    assert "damaged" in notices[0] and "rebuilding" in notices[0]
    assert f"{WEIGHTS_FILE} does not match its recorded SHA-256" in notices[0]
    assert any("building the fast embedder" in p.stage for p in progress)
    check_cache(fast_cache, embedder_files(FAST))  # sound again
    assert len(result.edges[SEMANTIC].at_least(default_threshold(FAST))) == 1


def test_a_damaged_cache_without_the_source_model_fails_with_a_reason(fast_cache):
    (fast_cache / TOKENIZER_FILE).write_text("{not json")
    with pytest.raises(StaticModelError, match=f"{TOKENIZER_FILE} does not match"):
        run_to_end(open_embedder(FAST, None))
    (fast_cache / MANIFEST_FILE).unlink()
    with pytest.raises(StaticModelError, match="missing"):
        StaticEmbedder(fast_cache)


@pytest.fixture(scope="module")
def static_model(fast_embedder_build):
    return StaticEmbedder(fast_embedder_build[0], "cpu")


def test_a_word_joined_by_a_control_character_is_one_word(static_model):
    # Found by the property below: NEL (U+0085) splits words for str.split, not for MiniLM's
    # normaliser, which removes it, so "0\x85¸" is the one unknown word "0¸" and has no direction.
    assert tokenizer_words("0\x85¸") == ["0¸"]
    assert np.linalg.norm(run_to_end(static_model.embed(["0\x85¸", "0 ¸"]))[1]) > 0


def tokenizer_words(text: str) -> list[str]:
    """Words as MiniLM's normaliser sees them: control characters (NEL too) are removed first.

    ``str.split`` alone splits at NEL (U+0085); the tokenizer removes it, joining the word.
    """
    return "".join(c for c in text if c in "\t\n\r" or unicodedata.category(c) != "Cc").split()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(max_size=80), min_size=1, max_size=12), data=st.data())
def test_embeddings_are_unit_or_zero_and_independent_of_the_batch(static_model, texts, data):
    vectors = run_to_end(static_model.embed(texts))
    norms = np.linalg.norm(vectors, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-4) | (norms == 0))
    # A text with a plain ASCII word always gets a direction (a word with a character MiniLM's
    # vocabulary lacks is [UNK] as a whole, as in MiniLM itself, and carries none).
    assert all(
        n > 0
        for n, t in zip(norms, texts, strict=True)
        if any(word.isascii() and word.isalnum() for word in tokenizer_words(t))
    )
    i = data.draw(st.integers(0, len(texts) - 1))
    alone = run_to_end(static_model.embed([texts[i]]))[0]
    np.testing.assert_allclose(alone, vectors[i], atol=1e-5)


def test_the_cache_lives_in_the_user_data_folder(monkeypatch, tmp_path):
    from core.dedup.static_embedder import default_cache_dir

    monkeypatch.setenv("THRESHER_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir().is_relative_to(tmp_path / "elsewhere" / "embedders")
    assert os.fspath(default_cache_dir()).endswith("minilm-static-v1")
