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
from gui.widgets.text_widgets import plain_label


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
    return QKeySequence.fromString(
        settings.shortcut(key.name, key.default), QKeySequence.SequenceFormat.PortableText
    )


def portable(sequence: QKeySequence) -> str:
    """The settings form of a key sequence (``Ctrl+Q``), the same on every system."""
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def find_clash(chosen: dict[str, str], reserved: dict[str, str]) -> str | None:
    """Why the ``chosen`` keys (review key name -> key) cannot be used together, or None.

    A key bound twice does only one of its jobs, silently: two review keys may not share a
    key, and a review key may not take a key a menu command already has (``reserved``: key ->
    that command's name).
    """
    names = {key.name: key.text.replace("&", "").removesuffix("…") for key in REVIEW_KEYS}
    owner: dict[str, str] = {}
    for name, sequence in chosen.items():
        if not sequence:
            continue
        if sequence in owner:
            return f"{sequence} is chosen for both {names[owner[sequence]]} and {names[name]}."
        if sequence in reserved:
            return f"{sequence} already means {reserved[sequence]} (a menu command)."
        owner[sequence] = name
    return None


class ShortcutsDialog(QDialog):
    """Lets the curator rebind each review key; refuses a key that is already taken."""

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        reserved: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review Keys")
        self.settings = settings
        self.reserved = reserved or {}
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Click a field and press the key to use. Arrow keys also move between rows.", self
            )
        )
        form = QFormLayout()
        self.edits: dict[str, QKeySequenceEdit] = {}
        for key in REVIEW_KEYS:
            edit = QKeySequenceEdit(key_for(settings, key), self)
            edit.setMaximumSequenceLength(1)
            self.edits[key.name] = edit
            form.addRow(key.text.replace("&", ""), edit)
        layout.addLayout(form)
        self.error = plain_label("", self)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self._restore_defaults
        )
        layout.addWidget(buttons)

    def _restore_defaults(self) -> None:
        for key in REVIEW_KEYS:
            self.edits[key.name].setKeySequence(QKeySequence(key.default))

    def chosen(self) -> dict[str, str]:
        """Review key name -> the key typed for it (portable text; empty when cleared)."""
        return {key.name: portable(self.edits[key.name].keySequence()) for key in REVIEW_KEYS}

    def accept(self) -> None:  # noqa: D102
        chosen = self.chosen()
        clash = find_clash(chosen, self.reserved)
        if clash is not None:
            self.error.setText(f"{clash} Choose another key.")
            self.error.show()
            return
        for name, sequence in chosen.items():
            self.settings.set_shortcut(name, sequence)
        super().accept()
