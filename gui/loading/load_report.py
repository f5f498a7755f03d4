"""The load report: how many records were usable, and every unusable line with its reason."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

from core.dataset import Dataset
from gui.widgets.text_widgets import plain_label

#: Bad lines listed in the dialog; the rest are counted (``inspect`` lists them all).
MAX_LISTED = 100_000


def summary_text(dataset: Dataset) -> str:
    """One paragraph: file, format, schema and counts."""
    fmt = dataset.format + (" (gzip)" if dataset.compressed else "")
    text = (
        f"{dataset.path.name}: {fmt}, {dataset.spec.describe()}.\n"
        f"{len(dataset):,} usable records, {len(dataset.bad_lines):,} unusable "
        f"{dataset.location_kind}s"
    )
    if dataset.blank_lines:
        text += f", {dataset.blank_lines:,} blank lines skipped"
    text += "."
    for note in dataset.notes:
        text += f"\nNote: {note}."
    return text


class LoadReportDialog(QDialog):
    """Lists the unusable lines of a loaded file."""

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Load report: {dataset.path.name}")
        self.resize(760, 460)
        layout = QVBoxLayout(self)
        self.summary = plain_label(summary_text(dataset), self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.lines = QPlainTextEdit(self)
        self.lines.setReadOnly(True)
        self.lines.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        unit = dataset.location_kind
        listed = dataset.bad_lines[:MAX_LISTED]
        body = "\n".join(f"{unit} {bad.line}: {bad.reason}" for bad in listed)
        if len(dataset.bad_lines) > MAX_LISTED:
            body += (
                f"\n… and {len(dataset.bad_lines) - MAX_LISTED:,} more "
                "(python main.py inspect FILE lists them all)"
            )
        self.lines.setPlainText(body or "Every line was usable.")
        layout.addWidget(self.lines)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
