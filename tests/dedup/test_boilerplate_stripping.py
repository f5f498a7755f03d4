"""Comparing without shared boilerplate never makes different records look alike.

Two failures a tester found: GSM8K problems copied with one line added to the answer were
treated as "boilerplate" (each problem and answer appeared in two rows), so stripping left
every copy with only the added line and linked copies of different problems to each other; and
contexts shared by three generic questions left the questions alone to match across contexts.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dedup.boilerplate import Boilerplate, find_boilerplate, strip_texts
from core.dedup.config import DedupConfig
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.generators import run_to_end
from core.loading import load

_QUESTIONS = (
    "Summarize the passage above in one sentence.",
    "What quantity does the passage above ask for?",
    "Rewrite the passage above for a young child.",
)


def _gsm(shared_data, count: int) -> list[dict]:
    rows = json.loads((shared_data / "gsm_8k_train.json").read_text())
    return [r for r in rows if len(r["instruction"]) >= 150][:count]


def _run(path, **options):
    dataset = load(path)
    return build_table(dataset, run_to_end(find_duplicates(dataset, DedupConfig(**options))))


def test_copies_with_one_added_line_still_find_their_originals(shared_data, tmp_path):
    originals = _gsm(shared_data, 300)
    copies = [{**r, "output": r["output"] + "\n\nI hope this helps!"} for r in originals[::10]]
    path = tmp_path / "gsm.json"
    path.write_text(json.dumps(originals + copies))
    for strip in (False, True):
        table = _run(path, strip_boilerplate=strip)
        assert table.summary()["dropped"] == len(copies), strip
        for n in range(len(copies)):
            assert table.kept[n * 10] == table.kept[len(originals) + n], (strip, n)
    found = find_boilerplate([r["instruction"] + "\n\n" + r["output"] for r in originals + copies])
    assert not found.blocks  # a problem and its copy are not shared boilerplate


def test_generic_questions_on_shared_contexts_never_match_across_contexts(shared_data, tmp_path):
    contexts = [r["instruction"] for r in _gsm(shared_data, 40)]
    rows = [
        {"instruction": f"Context:\n\n{c}\n\n{q}", "output": "An answer."}
        for c in contexts
        for q in _QUESTIONS
    ]
    path = tmp_path / "contexts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    options = {
        "exact": True,
        "near": 0.8,
        "semantic": None,
        "exact_on": "prompt",
        "near_on": "prompt",
    }
    stripped = _run(path, strip_boilerplate=True, **options)
    # Stripping the closing question a third of rows share makes those rows closer to their
    # siblings; but each context keeps a row, and nothing links two contexts.
    assert stripped.summary()["dropped"] <= 2 * len(contexts)
    dropped = np.flatnonzero(stripped.dropped)
    # A question may match its siblings on the same context, never a row of another context.
    assert all(stripped.kept[row] // 3 == row // 3 for row in dropped)


_LONG = "alpha beta gamma delta " * 12
_paragraph = st.text(alphabet="abc \n", min_size=0, max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    _LONG,
                    "one two three four five six seven eight nine ten eleven twelve",
                    "x y",
                    "hi",
                ]
            )
            | _paragraph,
            min_size=1,
            max_size=5,
        ).map("\n\n".join),
        min_size=2,
        max_size=12,
    ),
    st.booleans(),
)
def test_stripping_never_makes_different_rows_identical_when_one_loses_most_words(
    texts, with_blocks
):
    found = find_boilerplate(texts)
    if with_blocks:  # also a boilerplate that strips whatever repeats
        found = Boilerplate(
            prefix=found.prefix, suffix=found.suffix, blocks=(*found.blocks, _LONG.strip())
        )
    compared = strip_texts(texts, found)
    words = [len(t.split()) for t in texts]
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if texts[i] != texts[j] and compared[i] == compared[j]:
                assert len(compared[i].split()) * 2 >= max(words[i], words[j]), (texts[i], texts[j])
