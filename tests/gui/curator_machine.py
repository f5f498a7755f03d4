"""A Hypothesis state machine that drives the real main window the way a curator does.

Every rule is one thing a curator does (open a file, filter, sort, select, decide with the keys,
act on everything shown, undo and redo with the focus anywhere, walk the borderline queue,
change the rule, drag the cutoff, score and cancel, find duplicates, keep another copy, export,
close and reopen). After every rule the background work is allowed to settle and
:meth:`CuratorMachine.check` asserts what a curator relies on; see README "Contributing: the
curator state machine" for how a new GUI action joins it.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from PySide6.QtCore import Qt, QThreadPool, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtTest import QAbstractItemModelTester, QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.dedup.keep import DUPLICATE
from core.export import ExportOptions
from core.project import ProjectStore
from core.review import AUTO, DROP, KEEP, UNDECIDED, RowFilter, Rule
from core.review.decisions import NAMES
from core.scoring.heuristics import FLAG_NAMES
from core.scoring.run import cache_batch
from core.scoring.scored_batch import ScoredBatch
from gui.main_window import MainWindow
from gui.review.dock import CONFIRM_SELECTED_ROWS
from gui.review.export_dialog import ExportDialog
from gui.table.model import COLUMN_INDEX, COLUMNS
from tests.conftest import SAMPLE, SHARED_DATA

#: Qt messages the offscreen platform prints (for every window; when the cluster view is
#: raised); nothing to do with the app. The suite ignores the same (pyproject's qt_log_ignore).
IGNORED_QT = ("propagateSizeHints", "does not support raise")
#: The Qt messages that fail a step (pyproject's qt_log_level_fail is WARNING).
FAILING_QT = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
#: How long background work may take to settle after a step (a soak on a loaded machine may
#: need more: THRESHER_SOAK_SETTLE_S).
SETTLE_MS = int(float(os.environ.get("THRESHER_SOAK_SETTLE_S", "60")) * 1000)
#: Steps between two openings of a file (opening is the slowest step by far).
OPEN_EVERY = int(os.environ.get("THRESHER_SOAK_OPEN_EVERY", "12"))
#: Columns whose sort keys never change while a file is open (checked after every step).
STATIC_COLUMNS = {
    "location",
    "prompt_chars",
    "response_chars",
    "prompt_tokens",
    "response_tokens",
    "turns",
    "prompt",
    "response",
}
SEARCHES = ("the", "python", "x", "Zürich", "a.c", "(", "[a-z]+ing", "#### 7", "", "\\d+")


#: Records in the slices of real files most openings use. The model tester walks every cell
#: after every model signal, so a step costs in proportion to the rows shown; the full sample
#: (294 records) stays in the rotation for what only a larger file reaches.
SLICE = int(os.environ.get("THRESHER_SOAK_SLICE", "40"))


def bad_lines_file(folder: Path, lines: list[bytes]) -> Path:
    """Real lines with broken ones among them (a file a curator really meets)."""
    lines = list(lines)
    broken = [b'{"prompt": "cut off', b"not json at all", b'{"unrelated": 1}', b"[1, 2]"]
    step = max(1, len(lines) // len(broken))
    for i, bad in enumerate(broken):
        lines.insert(min(len(lines), 7 + step * i), bad)
    path = folder / "with_bad_lines.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def dataset_files(folder: Path) -> list[Path]:
    """The files the machine opens: slices of real files, one with bad lines, the sample."""
    sample = SAMPLE.read_bytes().splitlines()
    files = [folder / "sample_slice.jsonl", bad_lines_file(folder, sample[:SLICE])]
    files[0].write_bytes(b"\n".join(sample[:SLICE]) + b"\n")
    for name in ("seed_tasks.jsonl", "koala_test_set.jsonl"):
        if (SHARED_DATA / name).is_file():
            lines = (SHARED_DATA / name).read_bytes().splitlines()[:SLICE]
            files.append(folder / name)
            files[-1].write_bytes(b"\n".join(lines) + b"\n")
    if (SHARED_DATA / "gsm_8k_train.json").is_file():  # a JSON array, near-duplicates
        records = orjson.loads((SHARED_DATA / "gsm_8k_train.json").read_bytes())[:SLICE]
        files.append(folder / "gsm_8k_slice.json")
        files[-1].write_bytes(orjson.dumps(records, option=orjson.OPT_INDENT_2))
    files.append(folder / "sample.jsonl")
    shutil.copy(SAMPLE, files[-1])
    return files


class Stats:
    """What a run reached: steps, rules fired and distinct states (for the soak's report)."""

    def __init__(self) -> None:
        self.steps = 0
        self.rules: Counter[str] = Counter()
        self.states: set[tuple] = set()
        self.examples = 0
        self.seconds: Counter[str] = Counter()
        self._last: tuple[str, float] | None = None
        self.report_every = 0
        self.started = time.perf_counter()

    def step(self, name: str) -> None:
        """Count a step; its time (with the checks after it) is counted at the next one."""
        now = time.perf_counter()
        if self._last is not None:
            self.seconds[self._last[0]] += now - self._last[1]
        self._last = (name, now)
        self.steps += 1
        self.rules[name] += 1
        if self.report_every and self.steps % self.report_every == 0:
            print(f"[{time.perf_counter() - self.started:,.0f} s] {self.report()}", flush=True)

    def report(self) -> str:
        """One paragraph for the soak's output."""
        rules = ", ".join(
            f"{name} {count} ({self.seconds[name] / count:.2f} s)"
            for name, count in sorted(self.rules.items())
        )
        return (
            f"{self.steps:,} steps in {self.examples:,} sequences, "
            f"{len(self.states):,} distinct states; rules: {rules}"
        )


def build_machine(qtbot, qtlog, folder: Path, stats: Stats) -> type[RuleBasedStateMachine]:
    """The machine class, closed over pytest-qt's bot and log and a scratch folder."""
    files = dataset_files(folder)

    class CuratorMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.window: MainWindow | None = None
            self.tester = None
            self.errors: list[str] = []
            self._hook = sys.excepthook
            sys.excepthook = self._excepthook
            # Its own record of Qt's warnings (QAbstractItemModelTester's among them): pytest-qt
            # captures none when pytest runs with -s, as a soak does.
            self.qt_messages: list[str] = []
            self._qt_handler = qInstallMessageHandler(self._on_qt_message)
            self.path: Path | None = None
            self.queue: np.ndarray | None = None
            self.disagreement = False  # the queue walked is the disagreement queue
            self.fresh = False  # the filter and sort were just (re)applied
            self.exports = 0
            self.since_open = 0
            stats.examples += 1
            # A modal dialog nobody expected would block the run for ever: it is an error.
            self._watchdog = QTimer(interval=500)
            self._watchdog.timeout.connect(self._close_modal)
            self._watchdog.start()

        def _close_modal(self) -> None:
            modal = QApplication.activeModalWidget()
            if modal is not None:
                text = modal.text() if hasattr(modal, "text") else ""
                self.errors.append(f"unexpected modal dialog {modal.windowTitle()!r}: {text}")
                modal.reject()

        def _on_qt_message(self, kind, context, message) -> None:
            if kind in FAILING_QT and not any(text in message for text in IGNORED_QT):
                self.qt_messages.append(message)
            if self._qt_handler is not None:  # pytest-qt's, when it captures
                self._qt_handler(kind, context, message)

        def _excepthook(self, kind, value, tb) -> None:
            import traceback

            self.errors.append("".join(traceback.format_exception(kind, value, tb)))

        def teardown(self) -> None:
            self._watchdog.stop()
            sys.excepthook = self._hook
            qInstallMessageHandler(self._qt_handler)
            if self.window is not None:
                self.window.close()
                self.window.deleteLater()
                self.window = None
            self.tester = None
            QApplication.processEvents()

        # -- helpers -------------------------------------------------------------------------

        @property
        def review(self):
            return self.window.review

        @property
        def session(self):
            return self.review.controller.session

        def _busy(self) -> bool:
            w = self.window
            r, s, d = w.review, w.scoring, w.dedup
            return (
                w.job.running
                or r.filter_job.running
                or r.export_job.running
                or r.controller.busy
                or r._restoring
                or s.controller.running
                or s.heuristics.running
                or r.learned.job.running
                or d.detect.running
                or d.restore.running
                or d.builder.running
                # Jobs that only read the session settle too: a failure of theirs belongs to
                # the step that started them, not to whatever the next step does meanwhile.
                or w.agreement.job.running
                or w.plots.curve_job.running
                or w.agreement._timer.isActive()
                or w.plots._curve_timer.isActive()
                or w.filter_bar._timer.isActive()
                or d._scores_settled.isActive()
                or w.plots._drag_timer.isActive()
                or w.plots._settle_timer.isActive()
                or w.model._resort_timer.isActive()
                or w.model.sorting
            )

        def settle(self) -> None:
            # Timers that only coalesce bursts fire now: the same code runs, sooner.
            w = self.window
            for timer, fire in (
                (w.filter_bar._timer, w.filter_bar._emit),
                (w.dedup._scores_settled, w.dedup.on_scores_changed),
                (w.plots._drag_timer, w.plots._apply_cutoff),
                (w.model._resort_timer, w.model._resort),
                (w.agreement._timer, w.agreement._start),
                (w.plots._curve_timer, w.plots._start_curve),
                (w.plots._settle_timer, w.plots.decisions_changed),
            ):
                if timer.isActive():
                    timer.stop()
                    fire()
            qtbot.waitUntil(lambda: not self._busy(), timeout=SETTLE_MS)
            QApplication.processEvents()
            if self._busy():
                self.settle()

        def focus(self, widget) -> None:
            self.window.activateWindow()
            widget.setFocus()
            QApplication.processEvents()

        def press(self, widget, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
            self.focus(widget)
            # A key reaches the window's shortcuts only while it is the active window; a box
            # that took the focus would take the key (the soak's queue that B did not open).
            active = QApplication.activeWindow()
            assert active is self.window, f"the key would go to {_describe(active)}"
            qtbot.keyClick(widget, key, modifiers)
            if modifiers != Qt.KeyboardModifier.NoModifier:
                # QTest leaves Ctrl held in the application's state when a shortcut took the
                # key; a later selectRow would toggle rows instead of selecting one.
                for modifier in (Qt.Key.Key_Control, Qt.Key.Key_Shift):
                    QTest.keyRelease(widget, modifier)

        def _open(self, path: Path) -> None:
            window = MainWindow()
            window.show()
            qtbot.waitUntil(window.isVisible, timeout=5_000)
            self.window = window
            self.tester = QAbstractItemModelTester(
                window.model, QAbstractItemModelTester.FailureReportingMode.Warning
            )
            self._load(path)

        def _load(self, path: Path) -> None:
            self.path = path
            with qtbot.waitSignal(self.window.dataset_loaded, timeout=SETTLE_MS):
                self.window.open_path(path)
            self.queue = None
            self.settle()
            self.fresh = True
            self.since_open = 0

        def _step(self, name: str) -> None:
            stats.step(name)
            self.since_open += 1

        def _may_open(self) -> bool:
            """Opening is slow: a sequence does a dozen other things between openings."""
            return self.since_open >= OPEN_EVERY

        # -- opening ---------------------------------------------------------------------------

        @initialize(index=st.integers(0, len(files) - 1))
        def open_first(self, index: int) -> None:
            self._step("open")
            self._open(files[index])

        @precondition(lambda self: self._may_open())
        @rule(index=st.integers(0, len(files) - 1))
        def open_other(self, index: int) -> None:
            self._step("open")
            self._load(files[index])

        @precondition(lambda self: self._may_open())
        @rule()
        def close_and_reopen(self) -> None:
            self._step("reopen")
            before = (self.session.manual.copy(), self.session.rule, self.session.preferred.copy())
            self.window.close()
            self.window.deleteLater()
            self.tester = None
            self._open(self.path)
            session = self.session
            assert session.manual.tolist() == before[0].tolist()
            assert session.rule == before[1]
            assert session.preferred.tolist() == before[2].tolist()

        # -- filters and sorting ---------------------------------------------------------------

        @rule(
            search=st.sampled_from(SEARCHES),
            regex=st.booleans(),
            field=st.sampled_from(["both", "prompt", "response"]),
            low=st.one_of(st.none(), st.sampled_from([0.0, 0.3, 0.5])),
            high=st.one_of(st.none(), st.sampled_from([0.4, 0.7, 1.0])),
            decision=st.sampled_from(["", "keep", "drop", "undecided"]),
            source=st.sampled_from(["any", "rule", "curator"]),
            duplicates=st.sampled_from(["any", "duplicates", "unique"]),
            flag=st.sampled_from(["", *FLAG_NAMES]),
        )
        def set_filter(
            self, search, regex, field, low, high, decision, source, duplicates, flag
        ) -> None:
            self._step("filter")
            try:
                row_filter = RowFilter(
                    score_min=low,
                    score_max=high,
                    decisions=(decision,) if decision else (),
                    source=source,
                    duplicates=duplicates,
                    flags=(flag,) if flag else (),
                    search=search,
                    regex=regex,
                    search_field=field,
                )
            except ValueError:  # an invalid regex: typed into the box, refused there
                self.review.filter_bar.set_filter(RowFilter())
                self.focus(self.window.filter_bar.search)
                self.window.filter_bar.regex.setChecked(True)
                self.window.filter_bar.search.setText(search)
                self.settle()
                assert self.window.filter_bar.error.text() == "Invalid regex"
                return
            self.window.filter_bar.set_filter(row_filter, emit=True)
            self.settle()
            self.queue = None
            self.fresh = True

        @rule(column=st.integers(0, len(COLUMNS) + 2), descending=st.booleans())
        def sort(self, column: int, descending: bool) -> None:
            self._step("sort")
            column = min(column, self.window.model.columnCount() - 1)  # score columns too
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            self.window.table.sortByColumn(column, order)
            self.settle()
            self.fresh = self.queue is None

        @rule(where=st.floats(0, 1))
        def select(self, where: float) -> None:
            self._step("select")
            count = self.window.model.rowCount()
            if count:
                self.window.table.select_only(min(count - 1, int(where * count)))
                self.settle()

        @rule(
            key=st.sampled_from(
                [
                    Qt.Key.Key_Home,
                    Qt.Key.Key_End,
                    Qt.Key.Key_Up,
                    Qt.Key.Key_Down,
                    Qt.Key.Key_PageDown,
                ]
            ),
            ctrl=st.booleans(),
        )
        def move_with_a_key(self, key, ctrl: bool) -> None:
            """Arrows, Home, End and Page Down, with Ctrl or without.

            The invariant then reads that the row shown is the one selected (Ctrl+End once
            left the selection behind).
            """
            self._step("move")
            if self.window.model.rowCount():
                modifiers = (
                    Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
                )
                self.press(self.window.table, key, modifiers)
                self.settle()

        @rule(extend=st.integers(0, 3))
        def unselect_the_row_shown(self, extend: int) -> None:
            """Shift+Down a few times, then Ctrl+Space on the row shown.

            The pane moves to a row the keys would decide (it kept showing the unselected one).
            """
            self._step("unselect")
            table = self.window.table
            view_row = table.currentIndex().row()
            if view_row < 0:
                return
            for _ in range(extend):
                self.press(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
            self.press(table, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
            self.settle()
            current = table.currentIndex()
            assert current.isValid()
            shown = self.window._detail_shown[0]
            assert shown == self.window.model.source_row(current.row())
            assert shown in self.review.selected_rows().tolist()
            table.select_only(current.row())  # one row again, as a click would leave it
            self.settle()

        # -- deciding ------------------------------------------------------------------------

        @rule(
            key=st.sampled_from([Qt.Key.Key_K, Qt.Key.Key_D, Qt.Key.Key_U]), advance=st.booleans()
        )
        def decide_with_a_key(self, key, advance: bool) -> None:
            self._step("key")
            self.review.advance_action.setChecked(advance)
            current = self.window.current_source_row()
            view_row = self.window.table.currentIndex().row()
            self.press(self.window.table, key)
            self.settle()
            if current is None:
                return
            decision = {Qt.Key.Key_K: KEEP, Qt.Key.Key_D: DROP, Qt.Key.Key_U: AUTO}[key]
            assert self.session.manual[current] == decision
            count = self.window.model.rowCount()
            if advance and view_row + 1 < count:
                assert self.window.table.currentIndex().row() == view_row + 1

        @rule(
            key=st.sampled_from([Qt.Key.Key_K, Qt.Key.Key_D, Qt.Key.Key_U]),
            to_end=st.booleans(),
            yes=st.booleans(),
        )
        def decide_a_selection_with_a_key(self, key, to_end: bool, yes: bool) -> None:
            """Ctrl+A (or Ctrl+Shift+End from the current row), then a key: over 50 rows ask."""
            self._step("key_selection")
            table = self.window.table
            view_row = table.currentIndex().row()
            if self.window.model.rowCount() == 0 or view_row < 0:
                return
            if to_end:
                modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
                self.press(table, Qt.Key.Key_End, modifiers)
            else:
                self.press(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            rows = self.review.selected_rows()
            count = self.window.model.rowCount()
            assert len(rows) == (count - view_row if to_end else count), (
                len(rows),
                count,
                view_row,
            )
            before = self.session.manual[rows].copy()
            asked: list[str] = []

            def answer(box: QMessageBox) -> QMessageBox.StandardButton:
                asked.append(box.text())
                return QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.Cancel

            with _answering(answer):
                self.press(table, key)
                self.settle()
            decision = {Qt.Key.Key_K: KEEP, Qt.Key.Key_D: DROP, Qt.Key.Key_U: AUTO}[key]
            large = len(rows) > CONFIRM_SELECTED_ROWS
            assert bool(asked) == large, (len(rows), asked)
            if large and not yes:
                assert (self.session.manual[rows] == before).all()
            else:
                assert (self.session.manual[rows] == decision).all()
            # One row again, as a click would leave it: the invariant reads K's row.
            table.select_only(min(view_row, self.window.model.rowCount() - 1))
            self.settle()

        @rule(decision=st.sampled_from([KEEP, DROP, AUTO]))
        def decide_everything_shown(self, decision: int) -> None:
            self._step("bulk")
            shown = self.window.model.visible_rows()
            {
                KEEP: self.review.keep_shown_action,
                DROP: self.review.drop_shown_action,
                AUTO: self.review.auto_shown_action,
            }[decision].trigger()
            self.settle()
            assert (self.session.manual[shown] == decision).all()

        @rule(
            redo=st.booleans(),
            where=st.sampled_from(
                ["table", "search", "score_min", "min_score", "keep_top", "dedup"]
            ),
        )
        def undo_or_redo(self, redo: bool, where: str) -> None:
            self._step("redo" if redo else "undo")
            widget = {
                "table": self.window.table,
                "search": self.window.filter_bar.search,
                "score_min": self.window.filter_bar.score_min,
                "min_score": self.review.panel.min_score,
                "keep_top": self.review.panel.keep_top,
                "dedup": self.window.dedup.panel,
            }[where]
            if not (widget.isVisible() and widget.isEnabled()):
                # A curator cannot press keys in a box the rule's mode hides: the key would go
                # to that hidden box directly (QTest), which claims Ctrl+Z for its own text.
                widget = self.window.table
            session = self.session
            step = session.next_redo() if redo else session.next_undo()
            typed = (self.window.filter_bar.search.text(), self.window.filter_bar.score_min.text())
            modifiers = Qt.KeyboardModifier.ControlModifier
            if redo:
                modifiers |= Qt.KeyboardModifier.ShiftModifier
            self.press(widget, Qt.Key.Key_Z, modifiers)
            self.settle()
            if step is not None:
                assert (session.next_undo() if redo else session.next_redo()) is step
            assert typed == (
                self.window.filter_bar.search.text(),
                self.window.filter_bar.score_min.text(),
            )

        @rule()
        def toggle_queue(self) -> None:
            self._step("queue")
            action = self.review.actions_by_name["queue"]
            expected = self._expected_queue() if not action.isChecked() else None
            self.press(self.window.table, Qt.Key.Key_B)
            self.settle()
            self.queue = expected
            self.disagreement = False
            self.fresh = expected is None

        def _expected_queue(self) -> np.ndarray:
            least_sure = (
                self.review.learned.least_sure_rows()
                if self.review.least_sure_action.isChecked()
                else []
            )
            return least_sure if len(least_sure) else self.session.borderline_rows()

        @rule()
        def toggle_least_sure(self) -> None:
            self._step("least_sure")
            self.review.least_sure_action.toggle()
            self.settle()
            if self.queue is not None and not self.disagreement:  # it follows the order
                self.queue = self._expected_queue()

        # -- learning from decisions and files ---------------------------------------------

        @rule()
        def learn_from_files(self) -> None:
            self._step("learn_files")
            if self.session.dataset.prompt_only:
                return
            lines = SAMPLE.read_text().splitlines(keepends=True)
            kept, dropped = folder / "learn-kept.jsonl", folder / "learn-dropped.jsonl"
            kept.write_text("".join(lines[:60]))
            dropped.write_text("".join(lines[60:120]))
            before = self.session.manual.copy()
            answers = iter([(str(kept), ""), (str(dropped), "")])
            original = QFileDialog.getOpenFileName
            QFileDialog.getOpenFileName = lambda *a, **k: next(answers)
            try:
                self.review.learn_files_action.trigger()
            finally:
                QFileDialog.getOpenFileName = original
            self.settle()
            learned = self.review.learned
            assert self.session.manual.tolist() == before.tolist()  # a score, never a decision
            label = self.review.panel.learned_label.text()
            assert label.startswith(("Learned from ", "Learning stopped")), label
            if label.startswith("Learned"):
                decided = self.session.manual != AUTO
                assert np.isnan(learned.probabilities[decided]).all()

        # -- the rule ------------------------------------------------------------------------

        @rule(
            mode=st.sampled_from(["all", "threshold", "top_n", "top_fraction"]),
            value=st.floats(0, 1),
            duplicates=st.booleans(),
            flags=st.sets(st.sampled_from(FLAG_NAMES), max_size=2),
        )
        def edit_the_rule(self, mode, value, duplicates, flags) -> None:
            self._step("rule")
            panel = self.review.panel
            before = self.session.rule
            panel.mode.setCurrentIndex(panel.mode.findData(mode))
            panel.min_score.setValue(round(value, 3))
            panel.keep_top.setValue(int(value * 300))
            panel.keep_fraction.setValue(round(value * 100, 1))
            panel.drop_duplicates.setChecked(duplicates)
            for name, box in panel.flag_boxes.items():
                box.setChecked(name in flags)
            self.settle()
            assert self.session.rule == panel.rule()
            if self.session.rule != before:
                assert self.review.undo_action.isEnabled()

        @rule(values=st.lists(st.floats(0, 1), min_size=1, max_size=4))
        def drag_the_cutoff(self, values) -> None:
            self._step("drag")
            session = self.session
            depth = len(session._undo)
            line = self.window.plots.histogram_plot.line
            line.moving = True
            for value in values:
                line.setValue(value)
                line.sigDragged.emit(line)
                qtbot.wait(5)
            line.moving = False
            line.sigPositionChangeFinished.emit(line)
            self.settle()
            assert len(session._undo) <= depth + 1  # one drag: at most one step

        # -- score columns -------------------------------------------------------------------

        @precondition(lambda self: self._may_open())
        @rule(seed=st.integers(0, 3))
        def add_a_cached_scorer_and_reopen(self, seed: int) -> None:
            """Another scorer's results in the project (as ``main.py score`` leaves them)."""
            self._step("column_add")
            session = self.session
            if session.dataset.prompt_only:
                return
            key = f"machine-judge-{seed}"
            rng = np.random.default_rng(seed)
            rows = np.arange(len(session.dataset))
            with ProjectStore(session.store.path) as store:
                sid = store.scorer_id(
                    key,
                    {
                        "model": f"judge-{seed}.gguf",
                        "kind": "judge",
                        "prompt": {"name": f"machine-{seed}"},
                    },
                )
                cache_batch(
                    store,
                    sid,
                    session.dataset,
                    ScoredBatch(
                        rows,
                        rng.integers(1, 6, len(rows)).astype(np.float32),
                        np.zeros(len(rows), bool),
                        np.zeros(len(rows), bool),
                    ),
                )
            removed = key in session.removed_columns
            self.close_and_reopen()
            assert (key in self.session.columns) != removed
            if not removed:
                qtbot.waitUntil(
                    lambda: self.session.columns[key].scored == len(rows), timeout=SETTLE_MS
                )

        @rule(pick=st.integers(0, 10), hidden=st.booleans())
        def hide_or_show_a_score_column(self, pick: int, hidden: bool) -> None:
            self._step("column_hide")
            keys = list(self.session.columns)
            if not keys:
                return
            assert self.review.column_menu.set_hidden(keys[pick % len(keys)], hidden)
            self.settle()
            shown = tuple(k for k, c in self.session.columns.items() if not c.hidden)
            assert self.window.model.score_column_keys() == shown

        @rule(pick=st.integers(0, 10), name=st.sampled_from(["accuracy", "reward", "mine"]))
        def rename_a_score_column(self, pick: int, name: str) -> None:
            self._step("column_rename")
            columns = self.session.columns
            keys = list(columns)
            if not keys or any(c.name == name for c in columns.values()):
                return
            key = keys[pick % len(keys)]
            assert self.review.column_menu.rename(key, name)
            self.settle()
            section = (
                len(COLUMNS) + self.window.model.score_column_keys().index(key)
                if key in self.window.model.score_column_keys()
                else None
            )
            if section is not None:
                assert self.window.model.headerData(section, Qt.Orientation.Horizontal) == name

        @rule(pick=st.integers(0, 10), forget=st.booleans())
        def remove_a_score_column(self, pick: int, forget: bool) -> None:
            self._step("column_remove")
            session = self.session
            rule = session.rule
            removable = [
                k
                for k in session.columns
                if k not in rule.scorers() and not (k == session.score_key and rule.uses_scores)
            ]
            if not removable:
                return
            key = removable[pick % len(removable)]
            assert self.review.column_menu.remove(key, forget)
            self.settle()
            assert key not in session.columns
            assert key not in self.window.model.score_column_keys()

        @rule(pick=st.integers(0, 10))
        def choose_the_rule_scorer(self, pick: int) -> None:
            self._step("rule_scorer")
            combo = self.review.panel.scorer
            combo.setCurrentIndex(pick % combo.count())
            self.settle()
            shown = self.review.panel.rule()
            assert self.session.rule == shown, f"the rule {self.session.rule}; shown {shown}"
            assert self.session.rule.scorer == (combo.currentData() or "")

        @rule(a=st.integers(0, 10), b=st.integers(0, 10))
        def walk_the_disagreement_queue(self, a: int, b: int) -> None:
            self._step("disagreement")
            keys = list(self.session.columns)
            if len(keys) < 2 or a % len(keys) == b % len(keys):
                return
            first, second = keys[a % len(keys)], keys[b % len(keys)]
            expected = self.session.disagreement_rows(first, second)
            self.review.walk_disagreement(first, second)
            self.settle()
            self.queue = expected
            self.disagreement = True
            self.fresh = False

        # -- scoring and duplicates ----------------------------------------------------------

        @rule(wait_ms=st.integers(0, 30))
        def score_then_cancel(self, wait_ms: int) -> None:
            self._step("score_cancel")
            scoring = self.window.scoring
            if self.session.dataset.prompt_only:
                return
            scoring.start_scoring(scoring.panel.settings())
            qtbot.wait(wait_ms)
            scoring.panel.cancel_button.click()
            self.settle()

        @rule()
        def score(self) -> None:
            self._step("score")
            scoring = self.window.scoring
            if self.session.dataset.prompt_only:
                return
            with qtbot.waitSignal(scoring.scoring_finished, timeout=SETTLE_MS):
                scoring.start_scoring(scoring.panel.settings())
            self.settle()
            # The run's own column is complete ("the score" is the column the rule reads, which
            # may be another scorer's, or the learned one, empty where the curator decided).
            session = self.session
            assert not np.isnan(session.column(session.last_run).scores).any()

        @rule()
        def score_with_an_unreachable_judge_server(self) -> None:
            self._step("judge_server_down")
            scoring = self.window.scoring
            if self.session.dataset.prompt_only:
                return
            panel = scoring.panel
            before = self.session.scores.copy()
            panel.judge_combo.setCurrentIndex(panel.judge_combo.findData("rubric-1-5"))
            where = panel.judge_where
            where.where_combo.setCurrentIndex(where.where_combo.findData("server"))
            where.url_edit.setText("http://127.0.0.1:9/v1")  # nothing listens there
            where.model_edit.setText("judge")
            # Settled means the scoring thread is free (a cancelled run has stopped): a Score
            # still disabled here would do nothing, and the wait below would time out.
            assert panel.score_button.isEnabled(), "Score is disabled with nothing running"
            with qtbot.waitSignal(scoring.scoring_failed, timeout=SETTLE_MS):
                panel.score_button.click()
            for box in QApplication.topLevelWidgets():  # the expected "scoring stopped" box
                if isinstance(box, QMessageBox) and box.isVisible():
                    box.close()
            assert "did not answer" in panel.status.text()
            where.where_combo.setCurrentIndex(where.where_combo.findData("local"))
            panel.judge_combo.setCurrentIndex(0)
            self.settle()
            # A run that could not start changed no score.
            np.testing.assert_array_equal(self.session.scores, before)

        @rule()
        def find_duplicates(self) -> None:
            self._step("dedup")
            with qtbot.waitSignal(self.window.dedup.builder.built, timeout=SETTLE_MS):
                self.window.dedup.panel.run_button.click()
            self.settle()

        # No precondition: whether duplicates exist depends on background results, and a
        # precondition that depends on them makes Hypothesis's data generation inconsistent.
        @rule(pick=st.integers(0, 10_000))
        def keep_another_copy(self, pick: int) -> None:
            self._step("keep_copy")
            table = self.window.dedup.table
            candidates = (
                np.zeros(0, dtype=np.int64)
                if table is None
                else np.flatnonzero(table.role == DUPLICATE)
            )
            if not len(candidates):
                return
            row = int(candidates[pick % len(candidates)])
            view_row = self.window.model.view_row(row)
            if view_row is None:
                return
            self.window.table.selectRow(view_row)
            self.window.cluster_action.trigger()
            dialog = self.window.dedup.cluster_dialog
            dialog._select(row)
            dialog._keep_selected()
            self.settle()
            dialog.close()
            assert self.window.dedup.table.role[row] != DUPLICATE
            assert self.session.preferred[row]

        # -- export --------------------------------------------------------------------------

        @rule()
        def export(self) -> None:
            self._step("export")
            self.exports += 1
            output = folder / f"export-{stats.steps}.jsonl"
            summary = self.session.summary()
            original = (ExportDialog.exec, ExportDialog.options)
            ExportDialog.exec = lambda dialog: ExportDialog.DialogCode.Accepted
            ExportDialog.options = lambda dialog: ExportOptions(
                output=output, dropped=output.with_suffix(".dropped.jsonl")
            )
            job = self.review.export_job
            outcome: list[str] = []
            job.finished.connect(done := lambda result: outcome.append("exported"))
            job.failed.connect(failed := lambda message: outcome.append(f"failed: {message}"))
            try:
                self.review.export_action.trigger()
                started = job.running
                # Its own end, whichever it is (a failure is the export's message, not a
                # timeout); a job that never ends says what held it.
                qtbot.waitUntil(lambda: bool(outcome), timeout=SETTLE_MS)
            except Exception as exc:
                pool = QThreadPool.globalInstance()
                raise AssertionError(
                    f"the export did not end (started: {started}, pool threads busy: "
                    f"{pool.activeThreadCount()} of {pool.maxThreadCount()}, status: "
                    f"{self.window.status_text.text()!r})"
                ) from exc
            finally:
                ExportDialog.exec, ExportDialog.options = original
                job.finished.disconnect(done)
                job.failed.disconnect(failed)
            assert outcome == ["exported"], outcome
            self.settle()
            kept = output.read_bytes().count(b"\n")
            dropped = output.with_suffix(".dropped.jsonl").read_bytes().count(b"\n")
            assert (kept, dropped) == (summary.kept, summary.dropped)
            manifest = orjson.loads(output.with_suffix(".manifest.json").read_bytes())
            assert orjson.dumps(manifest)  # written and valid JSON

        # -- what must hold after every step -------------------------------------------------

        @invariant()
        def check(self) -> None:
            if self.window is None:
                return
            self.settle()
            errors, self.errors = self.errors, []
            assert not errors, errors[0]
            # A failure shown in a box (a background job's, the error hook's) is a failure of
            # the run, said as what it is: no step expects one (the judge rule closes its own).
            boxes = _error_boxes()
            for box in boxes:
                box.close()
            assert not boxes, f"a failure was shown: {_describe(boxes[0])}"
            new, self.qt_messages = self.qt_messages, []
            assert not new, new
            session, model, table = self.session, self.window.model, self.window.table
            if session is None:
                return
            self._check_rows(session, model)
            self._check_current(session, model, table)
            self._check_decisions(session, model)
            stats.states.add(self._state())

        def _check_rows(self, session, model) -> None:
            visible = model.visible_rows()
            if self.queue is not None:
                dock = self.review._queue
                assert visible.tolist() == self.queue.tolist(), (
                    f"the queue shows {len(visible)} rows, {visible[:8].tolist()}…; expected "
                    f"{len(self.queue)}, {self.queue[:8].tolist()}…; the dock's queue "
                    f"{None if dock is None else dock[:8].tolist()}, borderline now "
                    f"{session.borderline_rows()[:8].tolist()}, disagreement "
                    f"{self.review._disagreement}, least sure "
                    f"{self.review.least_sure_action.isChecked()}"
                )
                return
            mask = self.review._filter_mask
            expected = np.arange(len(session.final)) if mask is None else np.flatnonzero(mask)
            assert sorted(visible.tolist()) == expected.tolist()
            if self.fresh:
                try:
                    row_filter = self.window.filter_bar.current()
                except ValueError:
                    row_filter = None
                if row_filter is not None and row_filter == self.review._filter:
                    fresh = row_filter.mask(session.filter_inputs())
                    assert np.flatnonzero(fresh).tolist() == expected.tolist()
            column = model._sort_column
            if column >= 0 and (self.fresh or model.column_at(column).key in STATIC_COLUMNS):
                keys = model._sort_keys(model.column_at(column))[visible]
                descending = model._sort_order == Qt.SortOrder.DescendingOrder
                _assert_sorted(keys, visible, descending)
            self.fresh = False

        def _check_current(self, session, model, table) -> None:
            current = table.currentIndex()
            if not current.isValid():
                assert model.rowCount() == 0 or self.window._detail_shown is None
                return
            source = model.source_row(current.row())
            assert self.window._detail_shown is not None
            assert self.window._detail_shown[0] == source  # the record being read …
            assert self.review.selected_rows().tolist() == [source]  # … is the one K decides

        def _check_decisions(self, session, model) -> None:
            column = COLUMN_INDEX["decision"]
            cells = [model.data(model.index(r, column)) for r in range(model.rowCount())]
            shown = [NAMES[d] if d else "" for d in session.final[model.visible_rows()]]
            assert cells == shown
            expected = session.rule.decide(
                session.scores,
                session.flag_mask,
                session.duplicate,
                columns=session.column_scores(),
            )
            final = np.where(session.manual != AUTO, session.manual, expected)
            assert session.final.tolist() == final.tolist()
            with ProjectStore(session.store.path) as store:
                saved = store.decisions()
                rule = store.get_meta("review.rule")
            manual = [saved.get(key, (AUTO, ""))[0] for key in session.keys]
            assert manual == session.manual.tolist()
            if rule is not None:
                assert Rule.from_dict(orjson.loads(rule)) == session.rule
            summary = session.summary()
            panel = self.review.panel
            assert panel.kept_label.text().startswith(f"{summary.kept:,} ")
            assert panel.dropped_label.text().startswith(f"{summary.dropped:,} ")
            assert panel.undecided_label.text() == f"{summary.undecided:,}"
            if model.rowCount() == len(session.final):  # the table shows every row
                counts = Counter(cells)
                assert counts.get("keep", 0) == summary.kept
                assert counts.get("drop", 0) == summary.dropped
                assert counts.get("", 0) + counts.get("undecided", 0) == summary.undecided

        def _state(self) -> tuple:
            session, model = self.session, self.window.model
            return (
                self.path.name,
                self.review._filter.describe() if self.review._filter.active else "",
                model._sort_column,
                model._sort_order == Qt.SortOrder.DescendingOrder,
                self.queue is not None,
                session.rule.mode,
                session.rule.drop_duplicates,
                bool(session.duplicate.any()),
                bool(np.isnan(session.scores).all()),
                session.can_undo,
                session.can_redo,
                int(session.summary().undecided > 0),
            )

    return CuratorMachine


@contextmanager
def _answering(answer):
    """Questions (``QMessageBox.exec``) answered by ``answer`` instead of the run's usual Yes."""
    usual = QMessageBox.exec
    QMessageBox.exec = answer
    try:
        yield
    finally:
        QMessageBox.exec = usual


def _error_boxes() -> list[QMessageBox]:
    """Message boxes on screen (report_failure's are non-modal: the watchdog misses them)."""
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def _describe(widget) -> str:
    """A window as a failure message names it (a box by its title and text)."""
    if widget is None:
        return "no window"
    if isinstance(widget, QMessageBox):
        return f"the box {widget.windowTitle()!r}: {widget.text()}"
    return f"{type(widget).__name__} {widget.windowTitle()!r}"


def _assert_sorted(keys: np.ndarray, rows: np.ndarray, descending: bool) -> None:
    """Keys in order (unscored rows last either way), equal keys in file order."""
    if keys.dtype.kind == "f":
        nan = np.isnan(keys)
        if nan.any():
            first = int(np.argmax(nan))
            assert nan[first:].all(), "unscored rows are not last"
            _assert_sorted(keys[:first], rows[:first], descending)
            assert (np.diff(rows[first:]) > 0).all()
            return
    if len(keys) < 2:
        return
    a, b = keys[:-1], keys[1:]
    in_order = (a >= b) if descending else (a <= b)
    assert in_order.all(), "rows are not in the sort order"
    ties = a == b
    assert (np.diff(rows)[ties] > 0).all(), "equal keys are not in file order"


__all__ = ["UNDECIDED", "Stats", "build_machine", "dataset_files"]
