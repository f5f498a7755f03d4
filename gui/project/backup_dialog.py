"""File > Restore from Backup…: the open project's backups, newest first, by time and reason.

The dialog only chooses; :meth:`gui.main_window.MainWindow.restore_backup` backs the present up,
restores and reopens the dataset.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.project.backup import Backup, describe
from gui.widgets.text_widgets import plain_label


class BackupDialog(QDialog):
    """Pick one backup of the open project to restore."""

    def __init__(self, backups: list[Backup], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self.resize(520, 360)
        self.backups = sorted(backups, key=lambda b: b.taken, reverse=True)
        note = plain_label(
            "Restoring replaces the project's decisions, rule and kept copies with the "
            'backup\'s. What you have now is backed up first ("before restore"), so it can be '
            "restored in turn.",
            self,
        )
        note.setWordWrap(True)
        self.list = QListWidget(self)
        for backup in self.backups:
            item = QListWidgetItem(describe(backup))
            item.setData(Qt.ItemDataRole.UserRole, str(backup.path))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def chosen(self) -> Backup | None:
        """The selected backup."""
        row = self.list.currentRow()
        return self.backups[row] if 0 <= row < len(self.backups) else None
