"""The learned scorer reuses a semantic run's vectors only when they are its embedder's."""

from __future__ import annotations

import numpy as np
import pytest

from core.dedup.config import DedupConfig
from core.dedup.edges import SEMANTIC, Edges
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED
from core.dedup.result import DuplicateResult
from core.learned.vectors import reusable_vectors


def _run(embedder: str, strip: bool = False) -> DuplicateResult:
    settings = DedupConfig(exact=False, near=None, semantic=0.9, embedder=embedder)
    settings = settings.with_changes(strip_boilerplate=strip)
    vectors = np.eye(3, 4, dtype=np.float16)
    return DuplicateResult(
        settings,
        3,
        "sha",
        {SEMANTIC: Edges.empty(SEMANTIC)},
        {SEMANTIC: 0.82},
        None,
        np.arange(3),
        vectors,
    )


@pytest.mark.parametrize(
    ("run", "asked", "reused"),
    [
        (FAST, FAST, True),
        (VERIFIED, FAST, True),  # a verified run holds the fast vectors of every row
        (VERIFIED, BUNDLED, False),  # not MiniLM's: MiniLM embedded only the candidates
        (BUNDLED, FAST, False),
        (BUNDLED, BUNDLED, True),
    ],
)
def test_a_run_lends_vectors_of_the_embedder_it_holds(run, asked, reused):
    lent = reusable_vectors(_run(run), asked)
    assert bool(lent) == reused
    if reused:
        rows, vectors = lent["prompt"]
        np.testing.assert_array_equal(rows, np.arange(3))
        assert vectors.dtype == np.float32 and vectors.shape == (3, 4)


def test_vectors_of_stripped_text_are_not_lent():
    assert reusable_vectors(_run(VERIFIED, strip=True), FAST) == {}
