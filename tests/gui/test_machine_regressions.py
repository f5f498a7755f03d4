"""Defects the curator state machine found, each pinned by the smallest test that shows it."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from core.review import KEEP
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


@pytest.fixture
def dataset_path(tmp_path):
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


def test_k_on_a_row_already_kept_moves_on(qtbot, dataset_path):
    """Walking with K through rows already kept (by a bulk action) must not get stuck."""
    window = open_window(qtbot, dataset_path)
    window.review.advance_action.setChecked(True)
    session = window.review.controller.session
    window.table.selectRow(4)
    row = window.current_source_row()
    session.decide([row], KEEP)
    qtbot.keyClick(window.table, Qt.Key.Key_K)
    assert session.manual[row] == KEEP
    assert window.table.currentIndex().row() == 5
