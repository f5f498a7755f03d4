"""The main window, offscreen: opening files, reading records, bad lines, settings."""

import subprocess
import sys

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QLabel, QMessageBox

from core.invisible import marker, split_invisible
from gui.main_window import MainWindow
from gui.table.model import COLUMN_INDEX
from tests.conftest import ROOT, SAMPLE

HOSTILE = [
    '<img src="sentinel.png">',
    '<a href="http://x">click</a>',
    "<b>bold</b>\n<i>it</i>",
    "\u202eevil\u200b",
    "nul\x00byte",
    "<table>" * 1000,
    "x" * (1 << 20),
]


def open_and_wait(qtbot, window, path, mapping=None):
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000) as blocker:
        window.open_path(path, mapping)
    return blocker.args[0]


def test_opening_the_sample_shows_rows_detail_and_the_bad_lines_banner(qtbot, window):
    dataset = open_and_wait(qtbot, window, SAMPLE)
    assert window.model.rowCount() == len(dataset) == 294
    assert not window.banner.isHidden()
    assert "2 lines could not be used" in window.banner_text.text()
    assert "line 38" in window.banner_text.text()
    text = window.detail.toPlainText()
    assert "INSTRUCTION" in text and dataset.responses[0][:40] in text


def test_selecting_a_row_after_sorting_shows_that_record(qtbot, window, shared_data):
    dataset = open_and_wait(qtbot, window, shared_data / "gsm_8k_train.json")
    window.table.sortByColumn(COLUMN_INDEX["response_chars"], Qt.SortOrder.DescendingOrder)
    window.table.selectRow(0)
    longest = int(dataset.response_chars.argmax())
    assert dataset.responses[longest] in window.detail.toPlainText()
    assert f"Record {longest + 1}" in window.detail.toPlainText()


def test_multi_turn_records_are_shown_turn_by_turn(qtbot, window, write):
    path = write(
        "chat.jsonl",
        '{"messages": [{"role": "user", "content": "Hi"}, '
        '{"role": "assistant", "content": "Hello"}, '
        '{"role": "user", "content": "Bye"}, '
        '{"role": "assistant", "content": "See you"}]}\n',
    )
    open_and_wait(qtbot, window, path)
    text = window.detail.toPlainText()
    assert (
        text.index("USER\nHi")
        < text.index("ASSISTANT\nHello")
        < text.index("ASSISTANT  (response)\nSee you")
    )


def test_hostile_text_is_shown_as_plain_text(qtbot, window, write):
    import orjson

    lines = b"".join(orjson.dumps({"prompt": h, "response": h}) + b"\n" for h in HOSTILE)
    dataset = open_and_wait(qtbot, window, write("hostile.jsonl", lines))
    for row, hostile in enumerate(HOSTILE):
        window.table.selectRow(row)
        # Shown as typed, except that zero-width and bidi controls show as markers.
        hostile = "".join(marker(p) if hidden else p for p, hidden in split_invisible(hostile))
        assert (
            hostile.replace("\x00", "") in window.detail.toPlainText().replace("\x00", "")
            or hostile in window.detail.toPlainText()
        )
        assert window.detail.document().toHtml().count("<img") == 0
    assert len(dataset) == len(HOSTILE)
    for label in window.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText


def test_prompt_only_file_says_it_cannot_be_scored(qtbot, window, shared_data):
    open_and_wait(qtbot, window, shared_data / "koala_test_set.jsonl")
    assert (
        "cannot be scored" in window.banner_text.text() or "not scored" in window.banner_text.text()
    )
    assert window.model.rowCount() == 180


def test_unreadable_file_shows_a_plain_message_not_a_traceback(qtbot, window, write, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    with qtbot.waitSignal(window.load_failed, timeout=10_000) as blocker:
        window.open_path(write("broken.json", b'[{"prompt": "p"'))
    message = str(blocker.args[0])
    assert "broken.json" in message and "Traceback" not in message
    assert shown and "broken.json" in shown[0]


def test_unknown_schema_offers_the_column_mapping_dialog(qtbot, window, write, monkeypatch):
    from gui.loading.mapping_dialog import ColumnMappingDialog

    def choose(dialog):
        dialog.prompt.setCurrentText("ask")
        dialog.response.setCurrentText("reply")
        return ColumnMappingDialog.DialogCode.Accepted

    monkeypatch.setattr(ColumnMappingDialog, "exec", choose)
    path = write("odd.jsonl", '{"ask": "q1", "reply": "a1"}\n{"ask": "q2", "reply": "a2"}\n')
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000) as blocker:
        window.open_path(path)
    assert blocker.args[0].schema == "mapped"
    assert window.model.rowCount() == 2


def test_dropping_a_file_opens_it_and_remembers_it(qtbot, window, shared_data):
    mime = QMimeData()
    path = shared_data / "seed_tasks.jsonl"
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000):
        window.dropEvent(event)
    assert window.model.rowCount() == 175
    assert window.settings.recent_files()[0] == str(path.resolve())
    assert window.recent_menu.actions()[0].text() == str(path.resolve())


def test_geometry_persists_between_sessions(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(700, 500)  # inside the offscreen screen, which restoreGeometry clamps to
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 500)


def test_cancelling_a_load_leaves_the_window_usable(qtbot, window):
    window.open_path(SAMPLE)
    window.progress.cancel_button.click()
    assert not window.job.running
    open_and_wait(qtbot, window, SAMPLE)
    assert window.model.rowCount() == 294


def test_screenshot_command_renders_a_png(tmp_path):
    target = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "main.py", "--screenshot", str(target)],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 20_000


def test_no_display_points_to_screenshot(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=ROOT, capture_output=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 2 and b"--screenshot" in result.stderr


def test_a_failing_background_job_reaches_the_status_bar_and_a_dialog(
    qtbot, window, shared_data, monkeypatch
):
    """A real file (Koala prompts), a search whose worker fails."""
    # Issue 17 item 9: a failing filter search vanished and the job stayed "running".
    from core.review.filters import RowFilter

    open_and_wait(qtbot, window, shared_data / "koala_test_set.jsonl")

    def broken(self, inputs):
        yield 0.0
        raise MemoryError("no room for the search")

    monkeypatch.setattr(RowFilter, "iter_mask", broken)
    with qtbot.waitSignal(window.review.filter_job.error, timeout=10_000):
        window.filter_bar.search.setText("tell")
    assert window.status_text.text() == (
        "The filter job failed: MemoryError: no room for the search"
    )
    assert not window.review.filter_job.running
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert any("no room for the search" in b.text() for b in boxes)


def test_a_file_changed_on_disk_is_noticed_and_can_be_reloaded(qtbot, window, tmp_path):
    # Issue 17 item 8: no notice, and the export wrote the old records under the path.
    import shutil

    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    dataset = open_and_wait(qtbot, window, path)
    assert window.reload_button.isHidden()
    with path.open("ab") as handle:
        handle.write(b'{"prompt": "added later", "response": "by an editor"}\n')
    with qtbot.waitSignal(window.source_watch.changed, timeout=10_000):
        pass
    assert str(path) in window.notice_text.text() and "Reload" in window.notice_text.text()
    assert not window.reload_button.isHidden()
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000) as reloaded:
        window.reload_button.click()
    assert len(reloaded.args[0]) == len(dataset) + 1
    assert window.reload_button.isHidden()


def _reload_after(qtbot, window, path, edit) -> None:
    """Edit ``path`` with ``edit(lines)``, wait for the notice, Reload, wait for the place."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(edit(lines)))
    with qtbot.waitSignal(window.source_watch.changed, timeout=10_000):
        pass
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        window.reload_button.click()
    qtbot.waitUntil(
        lambda: not window.review.filter_job.running and window.review._pending_position is None,
        timeout=20_000,
    )


def test_reload_keeps_the_curators_record_sort_and_filter(qtbot, window, tmp_path):
    # Issue 17: Reload after the file changed on disk landed the curator on line 1.
    import shutil

    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    open_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: window.review.controller.session is not None, timeout=10_000)
    window.table.sortByColumn(COLUMN_INDEX["prompt_chars"], Qt.SortOrder.DescendingOrder)
    with qtbot.waitSignal(window.review.filter_job.done, timeout=10_000):
        window.filter_bar.search.setText("the")
    window.table.select_only(7)
    held = window.current_source_row()
    fingerprint = bytes(window.dataset.fingerprints[held])
    shown_before = window.model.rowCount()

    _reload_after(
        qtbot,
        window,
        path,
        lambda lines: [b'{"prompt": "new first", "response": "an added line"}\n', *lines],
    )
    row = window.current_source_row()
    assert bytes(window.dataset.fingerprints[row]) == fingerprint
    assert row == held + 1  # one line was added above it
    header = window.table.horizontalHeader()
    assert header.sortIndicatorSection() == COLUMN_INDEX["prompt_chars"]
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert window.filter_bar.search.text() == "the"
    assert window.model.rowCount() == shown_before
    heading = window.detail.toPlainText().splitlines()[0]
    assert str(int(window.dataset.locations[row])) in heading  # the pane shows that record


def test_reload_lands_on_the_nearest_line_when_the_record_is_gone(qtbot, window, tmp_path):
    import shutil

    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    dataset = open_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: window.review.controller.session is not None, timeout=10_000)
    window.table.sortByColumn(COLUMN_INDEX["prompt_chars"], Qt.SortOrder.AscendingOrder)
    window.table.select_only(40)
    held = window.current_source_row()
    line = int(dataset.locations[held])
    following = bytes(dataset.fingerprints[held + 1])
    assert int(dataset.locations[held + 1]) == line + 1

    _reload_after(qtbot, window, path, lambda lines: lines[: line - 1] + lines[line:])
    row = window.current_source_row()
    assert int(window.dataset.locations[row]) == line  # the line that took its place
    assert bytes(window.dataset.fingerprints[row]) == following
