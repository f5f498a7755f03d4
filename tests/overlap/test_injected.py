"""Real evaluation prompts injected into a real training file: each level finds what it should.

Measured on this file (800 GSM8K rows, 260 Koala/Vicuna prompts verbatim, 260 lightly edited):
every verbatim copy is found exactly; every light edit of a prompt of at least
``DEFAULT_MIN_WORDS`` words is found at the exact or 13-gram level, pointing at the right
record; no GSM8K row is flagged at any level.
"""

from __future__ import annotations

import pytest

from core.generators import run_to_end
from core.loading import load
from core.overlap.config import DEFAULT_MIN_WORDS, LEVELS, OverlapConfig
from core.overlap.run import find_overlap


@pytest.fixture(scope="module")
def checked(injected):
    dataset = load(injected.path)
    references = [load(injected.koala), load(injected.vicuna)]
    result = run_to_end(find_overlap(dataset, references, OverlapConfig()))
    return dataset, result


def _found(result, row: int) -> tuple[str, int, str]:
    """(reference file name, reference line, level) of a row's strongest match."""
    match = result.match_of(row)
    assert match is not None, f"row {row} was not found at any level"
    info = result.references[match.reference]
    return info.name, result.ref_location(match.reference, match.ref_row), match.level


def test_every_verbatim_copy_is_found_exactly_with_its_record(checked, injected):
    _, result = checked
    for row, (name, line) in injected.verbatim.items():
        assert _found(result, row) == (name, line, "exact")


def test_light_edits_are_found_at_exact_or_ngram_level(checked, injected):
    _, result = checked
    short = []
    for row, (name, line, kind) in injected.edited.items():
        if injected.words[name, line] < DEFAULT_MIN_WORDS:
            short.append((row, kind))
            continue
        found_name, found_line, level = _found(result, row)
        assert level in ("exact", "ngram"), (name, line, kind, level)
        assert (found_name, found_line) == (name, line)
    # Prompts under the n-gram floor ("Write \"Test\"", "explain TypeScript and Duck Typing")
    # are left to the exact level: a case edit is still caught there.
    assert len(short) <= 3
    for row, kind in short:
        if kind == "case":
            assert _found(result, row)[2] == "exact"


def test_sentence_added_copies_share_the_whole_prompt_as_one_span(checked, injected):
    _, result = checked
    ngram = result.levels["ngram"]
    for row, (name, line, kind) in injected.edited.items():
        words = injected.words[name, line]
        if kind == "sentence" and words >= 13:
            assert ngram.span[row] >= min(words, 13)
            assert ngram.similarity[row] > 0.9  # nearly all of the prompt's n-grams


def test_rows_that_were_not_injected_are_never_flagged(checked, injected):
    _, result = checked
    bits = result.level_bits()
    flagged = [row for row in injected.background if bits[row]]
    assert flagged == []


def test_summary_counts_each_reference_and_level(checked):
    _, result = checked
    summary = result.summary()
    koala, vicuna = summary["references"]
    assert koala["records"] == 180 and vicuna["records"] == 80
    assert koala["rows"]["exact"] >= 180  # verbatim copies plus case edits
    assert vicuna["any"] >= 2 * 80 - 1
    assert summary["overlapping"] == sum(summary["by_level"].values())
    assert set(summary["by_level"]) == set(LEVELS) - {"semantic"}
    assert len(koala["sha256"]) == 64
