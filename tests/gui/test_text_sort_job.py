"""A big table sorts by a text column on a worker: same order as the synchronous sort, swapped in.

While the order is computed the table keeps showing its rows (nothing changes under the
curator's eyes), the held record follows the sort when it lands, and a sort by another column
clicked meanwhile wins over the late text order.
"""

from itertools import pairwise

import numpy as np
import orjson
import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

import gui.table.model as table_model
from core.loading import load
from gui.table.model import COLUMN_INDEX, RecordsTableModel


@pytest.fixture
def dataset(shared_data, write):
    rows = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())[:400]
    # Repeated openings make ties, which must keep file order both ways.
    records = [
        {"prompt": ("Q: " if i % 3 else "") + r["instruction"], "response": r["output"]}
        for i, r in enumerate(rows)
    ] + [{"prompt": "Q: same", "response": "r"}] * 5
    return load(write("a.jsonl", b"\n".join(map(orjson.dumps, records))))


def _sync_order(dataset, column, order):
    model = RecordsTableModel()
    model.set_dataset(dataset)
    model.sort(column, order)
    return model.visible_rows()


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_worker_sort_equals_the_synchronous_sort_and_moves_the_held_row(
    qtbot, monkeypatch, dataset, order
):
    column = COLUMN_INDEX["prompt"]
    expected = _sync_order(dataset, column, order)
    monkeypatch.setattr(table_model, "ASYNC_TEXT_SORT_ROWS", 100)
    model = RecordsTableModel()
    model.set_dataset(dataset)
    held = QPersistentModelIndex(model.index(7, 0))
    model.sort(column, order)
    assert model.sorting
    assert model.visible_rows().tolist() == list(range(len(dataset)))  # unchanged meanwhile
    qtbot.waitUntil(lambda: not model.sorting, timeout=10_000)
    assert model.visible_rows().tolist() == expected.tolist()
    keys = model._sort_keys(table_model.COLUMNS[column])[model.visible_rows()]
    assert all(
        a <= b if order == Qt.SortOrder.AscendingOrder else a >= b for a, b in pairwise(keys)
    )
    assert model.source_row(held.row()) == 7


def test_a_sort_clicked_while_the_text_order_computes_wins(qtbot, monkeypatch, dataset):
    monkeypatch.setattr(table_model, "ASYNC_TEXT_SORT_ROWS", 100)
    model = RecordsTableModel()
    model.set_dataset(dataset)
    model.sort(COLUMN_INDEX["response"])
    model.sort(COLUMN_INDEX["prompt_chars"], Qt.SortOrder.DescendingOrder)
    qtbot.wait(300)
    qtbot.waitUntil(lambda: not model.sorting, timeout=10_000)
    lengths = dataset.prompt_chars[model.visible_rows()]
    assert (np.diff(lengths) <= 0).all()


def test_a_filter_applied_while_sorting_keeps_the_filter(qtbot, monkeypatch, dataset):
    expected = _sync_order(dataset, COLUMN_INDEX["prompt"], Qt.SortOrder.AscendingOrder)
    monkeypatch.setattr(table_model, "ASYNC_TEXT_SORT_ROWS", 100)
    model = RecordsTableModel()
    model.set_dataset(dataset)
    model.sort(COLUMN_INDEX["prompt"])
    mask = np.zeros(len(dataset), dtype=bool)
    mask[::4] = True
    model.set_filter(mask)
    qtbot.waitUntil(lambda: not model.sorting, timeout=10_000)
    visible = model.visible_rows()
    assert sorted(visible.tolist()) == np.flatnonzero(mask).tolist()
    assert visible.tolist() == [r for r in expected.tolist() if mask[r]]
