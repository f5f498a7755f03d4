"""The table header's menu for score columns: rename, hide, show again, remove.

One score column per scorer sits after the table's fixed columns (see
:meth:`gui.table.model.RecordsTableModel.column_at`). Right-clicking any column header offers
the hidden columns to show again; right-clicking a score column also offers to rename, hide or
remove it. The session does the work (and saves it in the project); this is only the menu.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox

from gui.review.controller import ReviewController
from gui.table.model import RecordsTableModel
from gui.table.records_view import RecordsView


class ScoreColumnMenu(QObject):
    """Offers the score-column actions on the records table's header."""

    def __init__(
        self, view: RecordsView, model: RecordsTableModel, controller: ReviewController
    ) -> None:
        super().__init__(view)
        self.view, self.model, self.controller = view, model, controller
        header = view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_menu)
        self.menu: QMenu | None = None

    # -- actions (also driven directly by tests) ----------------------------------------------

    def rename(self, key: str, name: str) -> bool:
        """Give score column ``key`` the display name ``name``."""
        return self.controller.column_action("rename", key, name)

    def set_hidden(self, key: str, hidden: bool) -> bool:
        """Hide or show score column ``key`` in the table (the rule may still read it)."""
        return self.controller.column_action("hidden", key, hidden)

    def remove(self, key: str, forget_cache: bool = False) -> bool:
        """Forget score column ``key``; its cached scores too when ``forget_cache``."""
        return self.controller.column_action("remove", key, forget_cache)

    # -- the menu ------------------------------------------------------------------------------

    def build_menu(self, section: int) -> QMenu:
        """The menu for header ``section`` (kept on :attr:`menu` for tests)."""
        menu = QMenu(self.view)
        session = self.controller.session
        key = None
        if section >= 0:
            column_key = self.model.column_at(section).key
            key = column_key[6:] if column_key.startswith("score:") else None
        if session is not None and key in session.columns:
            name = session.columns[key].name
            menu.addAction(f"Rename {name}…", lambda: self._ask_name(key))
            menu.addAction(f"Hide {name}", lambda: self.set_hidden(key, True))
            menu.addAction(f"Remove {name}…", lambda: self._ask_remove(key))
        hidden = (
            [(k, c.name) for k, c in session.columns.items() if c.hidden]
            if session is not None
            else []
        )
        if hidden:
            menu.addSeparator()
            for hidden_key, name in hidden:
                menu.addAction(f"Show {name}", lambda k=hidden_key: self.set_hidden(k, False))
        self.menu = menu
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        header = self.view.horizontalHeader()
        menu = self.build_menu(header.logicalIndexAt(pos))
        if not menu.isEmpty():
            menu.popup(header.mapToGlobal(pos))

    def _ask_name(self, key: str) -> None:
        session = self.controller.session
        if session is None or key not in session.columns:
            return
        name, ok = QInputDialog.getText(
            self.view, "Rename score column", "Name:", text=session.columns[key].name
        )
        if ok:
            self.rename(key, name)

    def _ask_remove(self, key: str) -> None:
        session = self.controller.session
        if session is None or key not in session.columns:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove score column",
            f"Remove the column {session.columns[key].name}? Its cached scores "
            "stay in the project (scoring again brings the column back) unless "
            "you delete them too.",
            parent=self.view,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        remove = box.addButton("Remove Column", QMessageBox.ButtonRole.AcceptRole)
        delete = box.addButton("Remove and Delete Scores", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() in (remove, delete):
            self.remove(key, forget_cache=box.clickedButton() is delete)
