"""The records table view, configured for a million rows.

Fixed row height and no resize-to-contents anywhere: either would make Qt ask for every row's
data (the house style measured 128 s for a 1M-row vertical header).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from gui.table.model import COLUMN_INDEX, COLUMNS

ROW_HEIGHT_PX = 24
TEXT_COLUMN_WIDTH_PX = 250
NUMBER_COLUMN_WIDTH_PX = 96
#: The keys that move the current row (with Ctrl: to the first or last row, or by one).
_MOVES = frozenset(
    {
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
    }
)


class RecordsView(QTableView):
    """A table of records with row selection and model-side sorting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placing = False  # select_only is placing the current row
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT_PX)
        vertical.hide()
        horizontal = self.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setStretchLastSection(True)
        horizontal.setHighlightSections(False)

    def setModel(self, model) -> None:  # noqa: D102
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self.place_score_columns)
            model.columnsInserted.connect(self.place_score_columns)

    def moveCursor(self, action, modifiers):  # noqa: D102
        index = super().moveCursor(action, modifiers)
        jumps = (
            QAbstractItemView.CursorAction.MoveHome,
            QAbstractItemView.CursorAction.MoveEnd,
        )
        current = self.currentIndex()
        # Qt goes to the first or last *cell*, scrolling # and Decision out of view; rows are
        # selected whole here, so Ctrl+Home/End change the row and keep the column.
        if (
            action in jumps
            and modifiers & Qt.KeyboardModifier.ControlModifier
            and index.isValid()
            and current.isValid()
        ):
            index = index.sibling(index.row(), current.column())
        return index

    def selectionChanged(self, selected, deselected) -> None:  # noqa: D102
        super().selectionChanged(selected, deselected)
        self._keep_current_selected()

    def _keep_current_selected(self) -> None:
        """Keep the current row (the one the detail pane shows) inside the selection.

        Ctrl+click or Ctrl+Space on the current row unselects it and leaves it current, so the
        pane showed a row the review keys would not decide while they decided the others (an
        independent tester's find). The current row moves to the nearest row still selected;
        with nothing else selected it stays, and the keys decide it.
        """
        selection = self.selectionModel()
        current = selection.currentIndex()
        if not current.isValid() or selection.isRowSelected(current.row()):
            return
        rows = [index.row() for index in selection.selectedRows()]
        if not rows:
            return
        nearest = min(rows, key=lambda row: (abs(row - current.row()), row))
        selection.setCurrentIndex(
            self.model().index(nearest, current.column()),
            QItemSelectionModel.SelectionFlag.NoUpdate,
        )

    def place_score_columns(self) -> None:
        """Show the scorers' columns (after the fixed ones in the model) next to Score."""
        header = self.horizontalHeader()
        after = header.visualIndex(COLUMN_INDEX["score"]) + 1
        for i, logical in enumerate(range(len(COLUMNS), header.count())):
            header.moveSection(header.visualIndex(logical), after + i)
            if self.columnWidth(logical) <= 0 or self.columnWidth(logical) > 300:
                self.setColumnWidth(logical, NUMBER_COLUMN_WIDTH_PX)

    def select_only(self, view_row: int) -> None:
        """Make ``view_row`` the current row and the only one selected, and show it.

        Unlike ``selectRow``, the keyboard modifiers held at the time do not matter: a key
        bound with Shift (Previous Row is Shift+J) must move to one row, not extend the
        selection, or the review keys would decide rows the detail pane does not show.
        The row also becomes where Shift+arrow extends from, as after a click: set through the
        selection model alone, the view kept its old anchor, so Shift+Down after J, J, J
        selected every row from the last click on (and D dropped them all).
        """
        model = self.model()
        if model is None or not 0 <= view_row < model.rowCount():
            return
        index = model.index(view_row, max(0, self.currentIndex().column()))
        self._placing = True
        try:  # QAbstractItemView.setCurrentIndex moves the anchor; see selectionCommand
            self.setCurrentIndex(index)
        finally:
            self._placing = False
        self.scrollTo(index)

    def selectionCommand(self, index, event=None):  # noqa: D102
        if self._placing:  # select_only: this row alone, whatever modifiers are held
            return (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
        if (
            isinstance(event, QKeyEvent)
            and event.key() in _MOVES
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            # Qt moves only the current row on Ctrl+End (Ctrl+Home, Ctrl+arrows) and leaves
            # the selection behind: the detail pane showed the last row while K decided the
            # row selected before. Here Ctrl+End selects what it moves to, and Ctrl+Shift+End
            # extends the selection to it, as Shift+End would.
            event = QKeyEvent(
                event.type(),
                event.key(),
                event.modifiers() & ~Qt.KeyboardModifier.ControlModifier,
                event.text(),
            )
        return super().selectionCommand(index, event)

    def apply_default_widths(self) -> None:
        """Give each column a sensible width (never computed from the content)."""
        for i, column in enumerate(COLUMNS):
            if column.key == "location":
                width = 72
            elif column.key in ("decision", "decided_by", "dup_role"):
                width = 76
            elif column.key in ("cluster", "cluster_size", "similarity"):
                width = 64
            elif column.key == "flags":
                width = 150
            elif column.key == "overlap":
                width = 170
            elif column.numeric:
                width = NUMBER_COLUMN_WIDTH_PX
            else:
                width = TEXT_COLUMN_WIDTH_PX
            self.setColumnWidth(i, width)
