"""Choose which fields hold the prompt and the response, for files with unrecognised keys."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from core.schemas import ColumnMapping
from gui.widgets.text_widgets import plain_label

NONE_CHOICE = "(none)"


class ColumnMappingDialog(QDialog):
    """Pick prompt, optional second prompt part, and response fields from the file's fields."""

    def __init__(
        self, file_name: str, fields: list[str], reason: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Column mapping: {file_name}")
        layout = QVBoxLayout(self)
        intro = reason + "\n\n" if reason else ""
        label = plain_label(
            intro + "Choose the fields that hold the prompt and the response. "
            "A second prompt field is joined to the first with a blank line.",
            self,
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        form = QFormLayout()
        self.prompt = self._combo(fields, optional=False)
        self.prompt_extra = self._combo(fields, optional=True)
        self.response = self._combo(fields, optional=True)
        self.messages = self._combo(fields, optional=True)
        form.addRow("Prompt field", self.prompt)
        form.addRow("Second prompt field", self.prompt_extra)
        form.addRow("Response field", self.response)
        form.addRow("Or: chat turns field", self.messages)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for guess, combo in (("response", self.response), ("output", self.response)):
            if guess in fields and combo.currentText() == NONE_CHOICE:
                combo.setCurrentText(guess)

    def _combo(self, fields: list[str], optional: bool) -> QComboBox:
        combo = QComboBox(self)
        combo.addItems(([NONE_CHOICE] if optional else []) + fields)
        return combo

    def mapping(self) -> ColumnMapping:
        """The mapping chosen."""

        def choice(combo: QComboBox) -> str | None:
            text = combo.currentText()
            return None if text in ("", NONE_CHOICE) else text

        if choice(self.messages):
            return ColumnMapping((), None, choice(self.messages))
        prompts = tuple(f for f in (choice(self.prompt), choice(self.prompt_extra)) if f)
        return ColumnMapping(prompts, choice(self.response))
