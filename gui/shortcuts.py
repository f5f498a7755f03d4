"""The review keys: one key per action, defaults a curator can change in a dialog.

The choices are stored in the app's settings by action name, so renaming a menu item never
loses them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QKeySequenceEdit,
    QVBoxLayout,
    QWidget,
)

from gui.settings import Settings
from gui.text_widgets import plain_label


@dataclass(frozen=True)
class ReviewKey:
    """A configurable review action: its settings name, menu text and default key."""

    name: str
    text: str
    default: str


REVIEW_KEYS = (
    ReviewKey("keep", "&Keep", "K"),
    ReviewKey("drop", "&Drop", "D"),
    ReviewKey("auto", "Back to &Automatic", "U"),
    ReviewKey("keep_reason", "Keep with Reason…", "Shift+K"),
    ReviewKey("drop_reason", "Drop with Reason…", "Shift+D"),
    ReviewKey("next", "&Next Row", "J"),
    ReviewKey("previous", "&Previous Row", "Shift+J"),
    ReviewKey("queue", "&Borderline Queue", "B"),
)


def key_for(settings: Settings, key: ReviewKey) -> QKeySequence:
    """The sequence currently bound to ``key``."""
    return QKeySequence.fromString(settings.shortcut(key.name, key.default),
                                   QKeySequence.SequenceFormat.PortableText)


class ShortcutsDialog(QDialog):
    """Lets the curator rebind each review key."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review Keys")
        self.settings = settings
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Click a field and press the key to use. Arrow keys also "
                                     "move between rows.", self))
        form = QFormLayout()
        self.edits: dict[str, QKeySequenceEdit] = {}
        for key in REVIEW_KEYS:
            edit = QKeySequenceEdit(key_for(settings, key), self)
            edit.setMaximumSequenceLength(1)
            self.edits[key.name] = edit
            form.addRow(key.text.replace("&", ""), edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self._restore_defaults)
        layout.addWidget(buttons)

    def _restore_defaults(self) -> None:
        for key in REVIEW_KEYS:
            self.edits[key.name].setKeySequence(QKeySequence(key.default))

    def accept(self) -> None:  # noqa: D102
        for key in REVIEW_KEYS:
            sequence = self.edits[key.name].keySequence().toString(
                QKeySequence.SequenceFormat.PortableText)
            self.settings.set_shortcut(key.name, sequence)
        super().accept()
