"""The Export dialog: where the curated JSONL goes and which extra files come with it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.export import ExportOptions
from core.review.session import Summary
from gui.widgets.text_widgets import plain_label


def default_output(source: Path) -> Path:
    """``data.jsonl`` -> ``data.curated.jsonl`` beside it."""
    stem = source.name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".pq"):
        stem = stem.removesuffix(suffix)
    return source.with_name(stem + ".curated.jsonl")


class ExportDialog(QDialog):
    """Asks for the export's options."""

    def __init__(self, source: Path, summary: Summary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Curated Dataset")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        counts = (f"{summary.kept:,} kept records will be written in file order, each as it "
                  f"was read. {summary.dropped:,} dropped")
        counts += (f" and {summary.undecided:,} undecided rows are left out."
                   if summary.undecided else " rows are left out.")
        layout.addWidget(plain_label(counts, self))
        row = QHBoxLayout()
        self.path = QLineEdit(str(default_output(source)), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.dropped = QCheckBox("Also write the dropped records (…dropped.jsonl)", self)
        self.sidecar = QCheckBox("Write a decisions sidecar: every row's score, flags and "
                                 "decision (…decisions.parquet)", self)
        self.annotate = QCheckBox("Add thresher_score, thresher_decision and thresher_decided_by "
                                  "fields to each record", self)
        self.manifest = QCheckBox("Write a manifest (hashes, model, rule, counts)", self)
        self.manifest.setChecked(True)
        for box in (self.dropped, self.sidecar, self.annotate, self.manifest):
            layout.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export curated dataset", self.path.text(),
                                              "JSON Lines (*.jsonl)")
        if path:
            self.path.setText(path if path.endswith(".jsonl") else path + ".jsonl")

    def options(self) -> ExportOptions:
        """The export the dialog describes."""
        output = Path(self.path.text().strip()).expanduser()
        stem = output.name.removesuffix(".jsonl")
        return ExportOptions(
            output=output,
            dropped=output.with_name(stem + ".dropped.jsonl") if self.dropped.isChecked()
            else None,
            sidecar=output.with_name(stem + ".decisions.parquet") if self.sidecar.isChecked()
            else None,
            write_manifest=self.manifest.isChecked(), annotate=self.annotate.isChecked())
