"""Overlap in the app: a background check, the column and flag, filter, rule, detail, restore."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QTextCursor

from core.review import DROP, KEEP
from core.review.filters import RowFilter
from gui.main_window import MainWindow
from gui.table.detail_pane import SHARED_BACKGROUND
from gui.table.model import COLUMN_INDEX
from tests.conftest import SHARED_DATA
from tests.gui.conftest import open_window
from tests.overlap.conftest import build


@pytest.fixture
def injected(tmp_path):
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return build(tmp_path, SHARED_DATA)


def _check(qtbot, window, injected) -> None:
    window.overlap.panel.set_paths([str(injected.koala), str(injected.vicuna)])
    window.overlap.panel.near.setChecked(False)
    with qtbot.waitSignal(window.overlap.check.done, timeout=60_000):
        window.overlap.panel.run_button.click()


def _select(window, source_row: int) -> None:
    window.table.selectRow(window.model.view_row(source_row))


def _highlighted(document, start: int, end: int) -> bool:
    cursor = QTextCursor(document)
    cursor.setPosition(start + 1)
    return cursor.charFormat().background().color() == QColor(SHARED_BACKGROUND)


def test_a_check_flags_rows_and_the_rule_drops_them(qtbot, injected):
    window = open_window(qtbot, injected.path)
    _check(qtbot, window, injected)
    row, (name, line) = next(iter(injected.verbatim.items()))
    cell = window.model.data(
        window.model.index(window.model.view_row(row), COLUMN_INDEX["overlap"])
    )
    assert cell == f"exact · {name}:{line}"
    assert "overlap" in window.model.flags_text(row)
    clean = injected.background[0]
    assert window.model.flags_text(clean) == "" or "overlap" not in window.model.flags_text(clean)
    counts = window.overlap.panel.counts
    assert counts.item(0, 0).text() == "koala_test_set.jsonl"
    assert int(counts.item(0, 1).text()) >= 180

    session = window.review.controller.session
    window.review.apply_rule(session.rule.with_changes(mode="all"))
    window.overlap.panel.drop_boxes["exact"].setChecked(True)
    window.overlap.panel.drop_boxes["ngram"].setChecked(True)
    assert session.rule.drop_overlap == ("exact", "ngram")
    assert (session.final[list(injected.verbatim)] == DROP).all()
    assert (session.final[injected.background] == KEEP).all()
    # Editing the rule in the Review dock keeps the overlap choices.
    window.review.panel.drop_duplicates.setChecked(not session.rule.drop_duplicates)
    assert session.rule.drop_overlap == ("exact", "ngram")

    with qtbot.waitSignal(window.review.filter_applied, timeout=10_000):
        window.filter_bar.set_filter(RowFilter(overlap="overlapping"), emit=True)
    shown = set(window.model.visible_rows().tolist())
    assert set(injected.verbatim) <= shown and not shown & set(injected.background)


def test_the_detail_pane_shows_the_reference_record_with_shared_words(qtbot, injected, tmp_path):
    window = open_window(qtbot, injected.path)
    _check(qtbot, window, injected)
    row = next(
        r
        for r, (name, line, kind) in injected.edited.items()
        if kind == "sentence" and injected.words[name, line] >= 13
    )
    _select(window, row)
    text = window.detail.toPlainText()
    assert "OVERLAP (13-gram:" in text
    prompt = window.dataset.prompts[row]
    added = text.index("Here is a question for you.")
    shared_start = text.index(prompt.removeprefix("Here is a question for you. ")[:20])
    document = window.detail.document()
    assert _highlighted(document, shared_start, shared_start + 10)
    assert not _highlighted(document, added, added + 5)
    # The reference record follows the heading, highlighted too.
    heading = text.index("OVERLAP (")
    reference_start = text.index("\n", heading) + 1
    assert _highlighted(document, reference_start, reference_start + 5)
    window.resize(1500, 820)
    _select(window, row)
    window.overlap.raise_()
    qtbot.wait(200)
    # The README's picture is refreshed only on request (THRESHER_SHOTS=docs), never by a plain run.
    folder = Path(os.environ.get("THRESHER_SHOTS", tmp_path))
    assert window.grab().save(str(folder / "screenshot-overlap.png"))


def test_the_check_is_restored_when_the_file_is_opened_again(qtbot, injected):
    window = open_window(qtbot, injected.path)
    _check(qtbot, window, injected)
    bits = window.review.controller.session.overlap.copy()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(again.overlap.restore.restored, timeout=30_000):
        again.open_path(injected.path)
    qtbot.waitUntil(
        lambda: (
            again.review.controller.session is not None
            and again.review.controller.session.overlap.any()
        ),
        timeout=10_000,
    )
    assert np.array_equal(again.review.controller.session.overlap, bits)
    assert again.overlap.panel.paths() == [str(injected.koala), str(injected.vicuna)]


def test_a_reference_edited_after_the_check_marks_it_stale(qtbot, injected, tmp_path):
    reference = tmp_path / "vicuna_copy.jsonl"
    shutil.copy(injected.vicuna, reference)
    window = open_window(qtbot, injected.path)
    window.overlap.panel.set_paths([str(reference)])
    window.overlap.panel.near.setChecked(False)
    with qtbot.waitSignal(window.overlap.check.done, timeout=60_000):
        window.overlap.panel.run_button.click()
    stale = window.overlap.panel.stale
    assert stale.isHidden()
    with open(reference, "ab") as handle:
        handle.write(b'{"question_id": 81, "text": "A prompt added after the check."}\n')
    # The dock's poll notices the new size and hashes the file again in the background.
    with qtbot.waitSignal(window.overlap.stale_job.checked, timeout=10_000):
        window.overlap.poll_references()
    assert stale.isVisible()
    assert stale.text() == (
        f"Stale check: {reference} changed since the check (its SHA-256 differs); re-run the check"
    )
    window.overlap.raise_()
    window.overlap.panel.resize(460, 640)
    qtbot.wait(100)
    folder = Path(os.environ.get("THRESHER_SHOTS", tmp_path))
    assert window.overlap.panel.grab().save(str(folder / "overlap-stale.png"))
    window.close()
    # Opened again later, the restored check says the same at once; a new check clears it.
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(again.overlap.restore.restored, timeout=30_000):
        again.open_path(injected.path)
    qtbot.waitUntil(lambda: again.overlap.panel.stale.isVisible(), timeout=10_000)
    assert str(reference) in again.overlap.panel.stale.text()
    with qtbot.waitSignal(again.overlap.check.done, timeout=60_000):
        again.overlap.panel.run_button.click()
    assert again.overlap.panel.stale.isHidden()


def test_the_app_refuses_to_export_a_rule_relying_on_a_stale_check(
    qtbot, injected, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from gui.review.export_dialog import ExportDialog

    reference = tmp_path / "vicuna_copy.jsonl"
    shutil.copy(injected.vicuna, reference)
    window = open_window(qtbot, injected.path)
    window.overlap.panel.set_paths([str(reference)])
    window.overlap.panel.near.setChecked(False)
    with qtbot.waitSignal(window.overlap.check.done, timeout=60_000):
        window.overlap.panel.run_button.click()
    window.overlap.panel.drop_boxes["exact"].setChecked(True)
    with open(reference, "ab") as handle:
        handle.write(b'{"question_id": 81, "text": "A prompt added after the check."}\n')
    out = tmp_path / "curated.jsonl"
    shown = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: ExportDialog.DialogCode.Accepted)
    monkeypatch.setattr("gui.review.export_dialog.default_output", lambda source: out)
    monkeypatch.setattr(QMessageBox, "show", lambda box: shown.append(box.text()))
    with qtbot.waitSignal(window.review.export_job.failed, timeout=20_000) as blocker:
        window.review.export_action.trigger()
    message = str(blocker.args[0])
    assert "\n" not in message and "the rule drops overlap" in message
    assert f"{reference} changed since the check" in message
    assert shown == [message] and not out.exists()
    assert window.review.export_action.isEnabled()


def test_the_dock_notes_skipped_references_and_text_without_spaces(qtbot, tmp_path):
    import orjson

    sentence = "请问如何提高时间管理能力并且在工作中保持高效率和专注力呢我想知道具体的方法"
    train, ref, empty = (tmp_path / n for n in ("train.jsonl", "ref.jsonl", "empty.jsonl"))
    train.write_bytes(
        b"".join(
            orjson.dumps(r) + b"\n"
            for r in [
                {"instruction": "前言。" + sentence, "output": "ok"},
                *(
                    {"instruction": f"an unrelated English prompt number {i}", "output": "ok"}
                    for i in range(9)
                ),
            ]
        )
    )
    ref.write_bytes(orjson.dumps({"prompt": sentence}) + b"\n")
    empty.write_bytes(b"")
    window = open_window(qtbot, train)
    statuses = []
    window.overlap.status.connect(statuses.append)
    window.overlap.panel.set_paths([str(empty), str(ref)])
    with qtbot.waitSignal(window.overlap.check.done, timeout=60_000):
        window.overlap.panel.run_button.click()
    stage = window.overlap.panel.stage.text().splitlines()
    assert stage[0].startswith("0 of 10 rows overlap")
    assert stage[1] == (
        f"Note: {empty}: the reference is empty; skipped, the other reference(s) are used."
    )
    assert (
        stage[2].startswith(
            "Note: 10% of the rows and 100% of the reference records are written without spaces"
        )
        and "semantic level" in stage[2]
    )
    assert "without spaces" in statuses[-1] and str(empty) in statuses[-1]
    folder = Path(os.environ.get("THRESHER_SHOTS", tmp_path))
    window.overlap.raise_()
    window.overlap.panel.resize(460, 640)
    qtbot.wait(100)
    assert window.overlap.panel.grab().save(str(folder / "overlap-notes.png"))
