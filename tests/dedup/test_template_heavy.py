"""A template-heavy file: every prompt starts with the same long tool description.

Real GSM8K questions behind a real-text tool list (self-instruct seed tasks), with exact and
near copies injected at known rows. The shared preamble makes unrelated requests look alike;
chained clusters swallowed most of such a file. Anchored clusters never drop a row below its
threshold, and comparing without the detected boilerplate flags what was injected.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.dedup.clusters import cluster_rows
from core.dedup.config import DedupConfig
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.generators import run_to_end
from core.loading import load
from tests.conftest import SHARED_DATA
from tests.dedup.conftest import build_template_heavy


@pytest.fixture(scope="module")
def template_heavy(tmp_path_factory):
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    injected = build_template_heavy(
        tmp_path_factory.mktemp("tools"), SHARED_DATA / "seed_tasks.jsonl"
    )
    return injected, load(injected.path)


def _all_pairs_found(table, injected, one_kept: bool = True) -> None:
    """Each injected copy shares its original's cluster (one of the two kept, if asked)."""
    for original, copy in injected.exact + injected.near:
        assert table.kept[original] == table.kept[copy], (original, copy)
        if one_kept:
            assert table.plan.not_kept[[original, copy]].sum() == 1


def test_the_shared_preamble_is_detected_and_said(template_heavy):
    _, dataset = template_heavy
    result = run_to_end(find_duplicates(dataset, DedupConfig()))
    found = result.report["boilerplate"]["pair"]
    assert found["prefix_rows"] == len(dataset)
    assert found["prefix"].startswith("You are an assistant that can call the tools below")
    table = build_table(dataset, result)
    assert any(
        "start with the same" in note and "compare without it" in note
        for note in table.summary()["notes"]
    )


def test_no_copy_is_dropped_below_the_threshold_even_with_a_shared_preamble(template_heavy):
    injected, dataset = template_heavy
    result = run_to_end(find_duplicates(dataset, DedupConfig(exact=False, near=0.8)))
    chained = cluster_rows(result.rows, result.thresholded())
    chained_drops = int(chained.clustered.sum() - chained.count())
    table = build_table(dataset, result)
    assert table.summary()["dropped"] < chained_drops
    dropped = table.dropped
    assert np.all(table.similarity[dropped] >= np.float32(0.8) - 1e-6)
    # Both copies of a pair may go, as duplicates of a third row they both truly match.
    _all_pairs_found(table, injected, one_kept=False)


def test_without_the_boilerplate_the_flagged_share_is_the_injected_share(template_heavy):
    injected, dataset = template_heavy
    settings = DedupConfig(strip_boilerplate=True)
    table = build_table(dataset, run_to_end(find_duplicates(dataset, settings)))
    injected_share = len(injected.exact + injected.near) / len(dataset)
    flagged_share = table.summary()["dropped"] / len(dataset)
    assert injected_share <= flagged_share <= injected_share + 0.01
    _all_pairs_found(table, injected)
    assert any("compared without it" in note for note in table.summary()["notes"])
