"""The records model: sorting by permutation, persistent indexes, plain text cells."""

import numpy as np
from PySide6.QtCore import QPersistentModelIndex, Qt

from core.loading import load
from gui.table_model import COLUMN_INDEX, RecordsTableModel, SourceRowRole


def test_model_passes_qt_model_tester_before_and_after_sorting(qtmodeltester, write):
    model = RecordsTableModel()
    model.set_dataset(load(write("a.jsonl", b'{"prompt":"bb","response":"1"}\n'
                                            b'{"prompt":"a","response":"22"}\n')))
    qtmodeltester.check(model)
    model.sort(COLUMN_INDEX["prompt"])
    qtmodeltester.check(model)


def test_sort_by_length_both_ways_keeps_ties_in_file_order(write):
    lines = [b'{"prompt":"%s","response":"r"}' % (b"x" * n) for n in (3, 1, 3, 2, 1)]
    model = RecordsTableModel()
    model.set_dataset(load(write("a.jsonl", b"\n".join(lines))))
    column = COLUMN_INDEX["prompt_chars"]
    model.sort(column, Qt.SortOrder.AscendingOrder)
    assert [model.source_row(r) for r in range(5)] == [1, 4, 3, 0, 2]
    model.sort(column, Qt.SortOrder.DescendingOrder)
    assert [model.source_row(r) for r in range(5)] == [0, 2, 3, 1, 4]


def test_selection_follows_the_record_through_a_sort(write):
    model = RecordsTableModel()
    model.set_dataset(load(write("a.jsonl", b'{"prompt":"ccc","response":"r"}\n'
                                            b'{"prompt":"a","response":"r"}\n')))
    held = QPersistentModelIndex(model.index(0, 1))
    model.sort(COLUMN_INDEX["prompt_chars"])
    assert held.row() == 1 and model.data(model.index(held.row(), 0), SourceRowRole) == 0


def test_cells_are_clipped_to_one_line(write):
    model = RecordsTableModel()
    model.set_dataset(load(write("a.jsonl", b'{"prompt":"line one\\nline two","response":"'
                                 + b"y" * 500 + b'"}\n')))
    assert model.data(model.index(0, COLUMN_INDEX["prompt"])) == "line one ⏎ line two"
    response = model.data(model.index(0, COLUMN_INDEX["response"]))
    assert len(response) == 201 and response.endswith("…")


def test_sorting_a_million_rows_is_a_permutation(write):
    # Speed is a benchmark; this checks the result on a large model is a correct order.
    rng = np.random.default_rng(0)
    model = RecordsTableModel()
    model.set_dataset(load(write("a.jsonl", b'{"prompt":"p","response":"r"}\n')))
    keys = rng.integers(0, 1000, 1_000_000)
    model._numbers["prompt_chars"] = keys
    model._order = np.arange(len(keys))
    model.sort(COLUMN_INDEX["prompt_chars"], Qt.SortOrder.DescendingOrder)
    ordered = keys[model._order]
    assert np.all(ordered[:-1] >= ordered[1:])
