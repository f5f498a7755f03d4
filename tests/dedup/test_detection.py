"""Exact, near and semantic detection on real GSM8K text with duplicates at known rows."""

from __future__ import annotations

import numpy as np
import pytest

from core.dedup.config import DedupConfig, DedupSettingsError
from core.dedup.edges import EXACT, NEAR, SEMANTIC
from core.dedup.normalize import field_texts, normalise
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.dedup.shingles import jaccard, shingle_sets
from core.generators import run_to_end
from tests.dedup.conftest import reference_jaccard, reference_shingles


def _clusters_of(table) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for row in np.flatnonzero(table.size > 1).tolist():
        groups.setdefault(int(table.cluster[row]), set()).add(row)
    return {frozenset(g) for g in groups.values()}


def test_rows_match_the_injected_records(injected, injected_dataset):
    assert len(injected_dataset) == len(injected.records)
    for original, copy in injected.exact + injected.near:
        assert normalise(injected_dataset.prompts[original]) == normalise(
            injected_dataset.prompts[copy]
        )


def test_exact_finds_every_injected_copy_and_nothing_else(injected, injected_dataset):
    result = run_to_end(find_duplicates(injected_dataset, DedupConfig(near=None)))
    table = build_table(injected_dataset, result)
    assert _clusters_of(table) == {frozenset(pair) for pair in injected.exact}
    copies = [copy for _, copy in injected.exact]
    assert table.summary()["duplicates"] == len(injected.exact)
    assert np.all(table.similarity[copies] == 1.0)
    assert set(np.flatnonzero(table.dropped).tolist()) == set(copies)  # the earlier row stays


def test_near_finds_injected_near_copies_without_false_positives(injected, injected_dataset):
    settings = DedupConfig(exact=False, near=0.8)
    result = run_to_end(find_duplicates(injected_dataset, settings))
    table = build_table(injected_dataset, result)
    found = [table.cluster[a] == table.cluster[b] for a, b in injected.near]
    assert np.mean(found) >= 0.95
    # Exact copies are near copies too (Jaccard 1 after normalisation).
    assert all(table.cluster[a] == table.cluster[b] for a, b in injected.exact)

    # Every recorded edge, down to the calibration floor, carries its true Jaccard.
    texts = field_texts(injected_dataset, "pair")
    edges = result.edges[NEAR]
    assert len(edges) >= len(injected.near)
    for a, b, sim in zip(edges.first, edges.second, edges.similarity, strict=True):
        truth = reference_jaccard(texts[a], texts[b])
        assert truth >= result.floor(NEAR) - 1e-6
        assert sim == pytest.approx(truth, abs=1e-6)
    for row in np.flatnonzero(table.plan.not_kept):
        kept = table.kept[row]
        assert table.similarity[row] == pytest.approx(
            reference_jaccard(texts[row], texts[kept]), abs=1e-6
        )


def test_near_on_the_prompt_finds_gsm8k_template_questions(shared_data):
    from core.loading import load

    dataset = load(shared_data / "gsm_8k_train.json")
    settings = DedupConfig(exact=False, near=0.6, near_on="prompt")
    result = run_to_end(find_duplicates(dataset, settings))
    edges = result.edges[NEAR].at_least(0.6)
    assert len(edges) >= 2  # e.g. Josie's and Amanda's $50 gift, two cassette tapes
    for a, b, sim in zip(edges.first, edges.second, edges.similarity, strict=True):
        assert normalise(dataset.prompts[a]) != normalise(dataset.prompts[b])
        assert sim == pytest.approx(
            reference_jaccard(dataset.prompts[a], dataset.prompts[b]), abs=1e-6
        )
    table = build_table(dataset, result)
    assert table.summary()["clusters"] == len(edges)


def test_shingles_match_the_reference_definition():
    texts = [
        "The cat sat on the mat today.",
        "the CAT   sat, on the mat — today!",
        "Three words only",
        "",
        "  ...  ",
        "Ünïcödé ﬁne words: naïve café, déjà vu again",
    ]
    sets = shingle_sets(texts)
    assert sets.set_of(0) == sets.set_of(1)  # case, spacing, punctuation
    assert len(sets.set_of(0)) == len(reference_shingles(texts[0])) == 3
    assert len(sets.set_of(2)) == 1  # a short text is one shingle
    assert sets.sizes()[3] == sets.sizes()[4] == 0  # no words, no shingles
    assert len(sets.set_of(5)) == len(reference_shingles(texts[5]))
    assert jaccard(sets.set_of(0), sets.set_of(2)) == 0.0
    # Texts spread over several hashing blocks hash exactly as they do alone.
    long = [" ".join(f"w{i}x{j}" for j in range(800)) for i in range(300)]
    together = shingle_sets(long)
    for i in (0, 150, 151, 299):
        assert together.set_of(i) == shingle_sets([long[i]]).set_of(0)
        assert len(together.set_of(i)) == len(reference_shingles(long[i])) == 796


def test_normalise_folds_unicode_case_space_and_punctuation_runs():
    assert normalise("  Ｈｅｌｌｏ,   WORLD!!!  ") == normalise("hello, world!")
    assert normalise("Why??") == normalise("why?")
    assert normalise("3.5 apples") != normalise("35 apples")


def test_pair_keys_cannot_collide_across_the_separator(write):
    from core.loading import load

    path = write(
        "pairs.jsonl", '{"prompt": "a b", "response": "c"}\n{"prompt": "a", "response": "b c"}\n'
    )
    dataset = load(path)
    result = run_to_end(find_duplicates(dataset, DedupConfig(near=None)))
    assert build_table(dataset, result).summary()["duplicates"] == 0


def test_progress_is_reported_and_closing_the_generator_cancels(injected_dataset):
    run = find_duplicates(injected_dataset, DedupConfig())
    stages = []
    for progress in run:
        stages.append(progress.stage)
        assert 0 <= progress.done <= progress.total
        if len(stages) == 3:
            break
    run.close()
    assert any("exact" in s for s in stages)
    full = [p.stage for p in find_duplicates(injected_dataset, DedupConfig())]
    assert any("exact" in s for s in full) and any("near" in s for s in full)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"exact": False, "near": None}, "at least one"),
        ({"near": 1.5}, "near threshold"),
        ({"near_on": "title"}, "near on"),
        ({"budget": 2.0}, "budget"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(changes, message):
    with pytest.raises(DedupSettingsError, match=message):
        DedupConfig(**changes)


def test_thresholds_move_without_a_new_run(injected, injected_dataset):
    result = run_to_end(find_duplicates(injected_dataset, DedupConfig(exact=False)))
    strict = build_table(injected_dataset, result, settings=result.settings.with_changes(near=0.95))
    loose = build_table(injected_dataset, result, settings=result.settings.with_changes(near=0.7))
    default = build_table(injected_dataset, result)
    assert (
        strict.summary()["duplicates"]
        <= default.summary()["duplicates"]
        <= loose.summary()["duplicates"]
    )
    with pytest.raises(ValueError, match="floor"):
        result.with_settings(result.settings.with_changes(near=0.3))


def test_semantic_duplicates_with_the_bundled_embedder(injected, injected_dataset):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    from core.dedup.embedder import bundled_model_path

    pairs = injected.exact[:4] + injected.near[:4]
    rows = np.array(sorted(set(range(120)) | {row for pair in pairs for row in pair}))
    small = _take(injected_dataset, rows)
    at = {int(row): i for i, row in enumerate(rows)}
    settings = DedupConfig(exact=False, near=None, semantic=0.9, embedder="bundled", device="cpu")
    result = run_to_end(find_duplicates(small, settings))
    table = build_table(small, result)
    # Prompts of injected copies are the same question (case and spacing aside).
    assert all(table.cluster[at[a]] == table.cluster[at[b]] for a, b in pairs)

    # Cosines agree with sentence-transformers' own encoding of the same model.
    reference = sentence_transformers.SentenceTransformer(str(bundled_model_path()), device="cpu")
    vectors = reference.encode(small.prompts, normalize_embeddings=True)
    edges = result.edges[SEMANTIC]
    assert len(edges)
    for a, b, sim in zip(edges.first, edges.second, edges.similarity, strict=True):
        assert sim == pytest.approx(float(vectors[a] @ vectors[b]), abs=2e-3)
    above = vectors @ vectors.T >= 0.9 + 2e-3
    np.fill_diagonal(above, False)
    for a, b in zip(*np.nonzero(np.triu(above)), strict=True):
        assert table.plan.not_kept[[a, b]].any()  # never both kept
    dropped = np.flatnonzero(table.dropped)
    assert np.all(
        np.einsum("ij,ij->i", vectors[dropped], vectors[table.kept[dropped]]) >= 0.9 - 2e-3
    )  # each matches its own kept copy

    # Find similar: a copy's nearest row is its original, by the run's own embeddings.
    from core.dedup.similar import find_similar

    original, copy = pairs[0]
    nearest = find_similar(result, at[copy], count=5)
    assert len(nearest) == 5 and nearest[0].row == at[original]
    assert nearest[0].similarity >= 0.9
    assert [n.similarity for n in nearest] == sorted((n.similarity for n in nearest), reverse=True)
    assert at[copy] not in [n.row for n in nearest]


def _take(dataset, rows):
    """A dataset of some rows of another (for a fast semantic test)."""
    from dataclasses import replace

    picked = rows.tolist()
    return replace(
        dataset,
        originals=[dataset.originals[i] for i in picked],
        prompts=[dataset.prompts[i] for i in picked],
        responses=[dataset.responses[i] for i in picked],
        locations=dataset.locations[rows],
        fingerprints=dataset.fingerprints[rows],
        turns=dataset.turns[rows],
        row_schemas=dataset.row_schemas[rows],
    )


def test_kinds_and_fields_are_reported(injected_dataset):
    result = run_to_end(find_duplicates(injected_dataset, DedupConfig()))
    assert set(result.edges) == {EXACT, NEAR}
    summary = build_table(injected_dataset, result).summary()
    assert summary["by_match"]["exact"] >= 25
    assert summary["records"] == len(injected_dataset)


def test_a_missing_embedder_fails_before_any_other_work(injected_dataset, tmp_path):
    from core.scoring.model_files import ModelNotFoundError

    run = find_duplicates(
        injected_dataset, DedupConfig(semantic=0.9, embedder=str(tmp_path / "nowhere"))
    )
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        next(run)  # no exact or near stage has started
