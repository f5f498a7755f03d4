"""The records model: sorting by permutation, persistent indexes, plain text cells."""

from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPersistentModelIndex, Qt

from core.loading import load
from gui.table.model import COLUMN_INDEX, COLUMNS, RecordsTableModel, SourceRowRole


def test_model_passes_qt_model_tester_before_and_after_sorting(qtmodeltester, write):
    model = RecordsTableModel()
    model.set_dataset(
        load(write("a.jsonl", b'{"prompt":"bb","response":"1"}\n{"prompt":"a","response":"22"}\n'))
    )
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
    model.set_dataset(
        load(write("a.jsonl", b'{"prompt":"ccc","response":"r"}\n{"prompt":"a","response":"r"}\n'))
    )
    held = QPersistentModelIndex(model.index(0, 1))
    model.sort(COLUMN_INDEX["prompt_chars"])
    assert held.row() == 1 and model.data(model.index(held.row(), 0), SourceRowRole) == 0


def test_cells_are_clipped_to_one_line(write):
    model = RecordsTableModel()
    model.set_dataset(
        load(
            write("a.jsonl", b'{"prompt":"line one\\nline two","response":"' + b"y" * 500 + b'"}\n')
        )
    )
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
    model._source_rows = len(keys)
    model._order = np.arange(len(keys))
    model.sort(COLUMN_INDEX["prompt_chars"], Qt.SortOrder.DescendingOrder)
    ordered = keys[model._order]
    assert np.all(ordered[:-1] >= ordered[1:])


def _model_of(write, prompts):
    lines = [b'{"prompt":"%s","response":"r"}' % p.encode() for p in prompts]
    model = RecordsTableModel()
    model.set_dataset(load(write("a.jsonl", b"\n".join(lines))))
    return model


def test_sorting_a_filtered_table_keeps_the_filter_and_the_held_record(qtmodeltester, write):
    # Issue 17 item 2: the inverse was sized to the visible rows and indexed by source rows.
    model = _model_of(write, ["dddd", "a", "ccc", "bb", "eeeee", "f"])
    model.set_filter(np.array([True, False, True, True, False, True]))
    held = QPersistentModelIndex(model.index(1, 0))  # source row 2 ("ccc")
    model.sort(COLUMN_INDEX["prompt_chars"])
    assert model.visible_rows().tolist() == [5, 3, 2, 0]
    assert model.source_row(held.row()) == 2
    assert model.view_row(4) is None and model.view_row(0) == 3
    qtmodeltester.check(model)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.data())
def test_visible_rows_are_the_filtered_rows_in_sort_order(lengths, data):
    """Any filter, any column, either way: the view is the filter in the sort's order."""
    n = len(lengths)
    model = RecordsTableModel()
    model.set_dataset(_dataset_of_lengths(lengths))
    for _ in range(data.draw(st.integers(1, 4))):
        if data.draw(st.booleans()):
            mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
            model.set_filter(mask)
        column = data.draw(
            st.sampled_from(
                [COLUMN_INDEX["prompt_chars"], COLUMN_INDEX["location"], COLUMN_INDEX["prompt"]]
            )
        )
        descending = data.draw(st.booleans())
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        held_view = data.draw(st.integers(0, max(0, model.rowCount() - 1)))
        held = QPersistentModelIndex(model.index(held_view, 0))
        held_source = model.source_row(held_view) if model.rowCount() else None
        model.sort(column, order)
        visible = model.visible_rows()
        shown = np.ones(n, bool) if model._visible is None else model._visible
        assert sorted(visible.tolist()) == np.flatnonzero(shown).tolist()
        keys = np.asarray(model._sort_keys(COLUMNS[column]))[visible]
        assert all((a <= b) if not descending else (a >= b) for a, b in pairwise(keys))
        for view, source in enumerate(visible.tolist()):
            assert model.view_row(source) == view
        if held_source is not None:
            assert model.source_row(held.row()) == held_source


def _dataset_of_lengths(lengths):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    path = folder / "a.jsonl"
    path.write_bytes(b"\n".join(b'{"prompt":"p%s","response":"r"}' % (b"x" * k) for k in lengths))
    return load(path)


def test_a_decision_repaints_only_its_row_and_a_rule_change_every_row(write, tmp_path):
    """One key press repaints the decided row's cells, wherever the sort and filter put it.

    A repaint over the whole column made the view redraw every visible cell on each key (about
    950 ``data`` calls); the decided row must still show its new decision at once.
    """
    from core.project import ProjectStore
    from core.review import DROP, ReviewSession, Rule

    lines = [b'{"prompt":"%s","response":"r"}' % (b"x" * n) for n in (3, 1, 4, 2, 5)]
    dataset = load(write("a.jsonl", b"\n".join(lines)))
    with ProjectStore(tmp_path / "p.thresher") as store:
        session = ReviewSession(dataset, store)
        model = RecordsTableModel()
        model.set_dataset(dataset)
        model.set_session(session)
        model.sort(COLUMN_INDEX["prompt_chars"], Qt.SortOrder.DescendingOrder)
        model.set_filter(np.array([True, True, True, False, True]))
        spans = []
        model.dataChanged.connect(
            lambda a, b, _roles: spans.append((a.row(), a.column(), b.row(), b.column()))
        )
        decision, by = COLUMN_INDEX["decision"], COLUMN_INDEX["decided_by"]
        change = session.decide([2], DROP)
        model.decisions_changed(change.rows)
        view = model.view_row(2)
        assert spans == [(view, decision, view, by)]
        assert model.data(model.index(view, decision)) == "drop"
        assert model.data(model.index(view, by)) == "curator"
        spans.clear()
        model.decisions_changed(session.decide([3], DROP).rows)  # filtered out: nothing shown
        assert spans == []
        session.set_rule(Rule(mode="all"))
        model.decisions_changed(None)
        assert spans == [(0, decision, model.rowCount() - 1, by)]
        assert [model.data(model.index(r, decision)) for r in range(model.rowCount())].count(
            "keep"
        ) == model.rowCount() - 1


def test_a_painted_cell_shows_what_data_says_for_every_role(write, tmp_path, qapp):
    """Each painted cell carries the text, alignment and colour ``data`` gives for that role.

    The delegate asks for all of a cell's roles in one ``multiData`` call.
    """
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    from core.project import ProjectStore
    from core.review import DROP, KEEP, ReviewSession
    from gui.table.model import DECISION_COLOURS

    lines = [b'{"prompt":"p%d\\nmore","response":"%s"}' % (i, b"r" * i) for i in range(6)]
    dataset = load(write("a.jsonl", b"\n".join(lines)))
    with ProjectStore(tmp_path / "p.thresher") as store:
        session = ReviewSession(dataset, store)
        session.decide([1], DROP)
        session.decide([4], KEEP)
        model = RecordsTableModel()
        model.set_dataset(dataset)
        model.set_session(session)
        model.sort(COLUMN_INDEX["response_chars"], Qt.SortOrder.DescendingOrder)
        delegate = QStyledItemDelegate()
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                index = model.index(row, column)
                option = QStyleOptionViewItem()
                delegate.initStyleOption(option, index)
                assert option.text == (model.data(index) or "")
                alignment = model.data(index, Qt.ItemDataRole.TextAlignmentRole)
                if alignment is not None:
                    assert option.displayAlignment == alignment
                colour = model.data(index, Qt.ItemDataRole.ForegroundRole)
                if colour is not None:
                    assert option.palette.brush(QPalette.ColorRole.Text).color() == colour
        drop = model.index(model.view_row(1), COLUMN_INDEX["decision"])
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, drop)
        assert option.text == "drop"
        assert option.palette.brush(QPalette.ColorRole.Text).color() == DECISION_COLOURS[DROP]


def test_a_table_sorted_by_cluster_regroups_when_duplicates_are_found(write, qtbot):
    """Sorted by Cluster before a duplicate search, the copies come together once it lands."""
    from core.dedup.config import DedupConfig
    from core.dedup.outcome import build_table
    from core.dedup.run import find_duplicates
    from core.generators import run_to_end

    texts = ["alpha", "beta", "alpha", "gamma", "beta", "alpha"]
    lines = [b'{"prompt":"p%d","response":"%s"}' % (i, t.encode()) for i, t in enumerate(texts)]
    dataset = load(write("a.jsonl", b"\n".join(lines)))
    model = RecordsTableModel()
    model.set_dataset(dataset)
    model.sort(COLUMN_INDEX["cluster"], Qt.SortOrder.AscendingOrder)
    assert [model.source_row(r) for r in range(6)] == [0, 1, 2, 3, 4, 5]  # all unique so far
    settings = DedupConfig(exact=True, near=None, exact_on="response")
    model.set_duplicates(build_table(dataset, run_to_end(find_duplicates(dataset, settings))))
    qtbot.waitUntil(lambda: not model._resort_timer.isActive(), timeout=5_000)
    assert [model.source_row(r) for r in range(6)] == [0, 2, 5, 1, 4, 3]
