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
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.export import ExportOptions
from core.review.session import Summary
from gui.widgets.text_widgets import plain_label, plain_message


def default_output(source: Path) -> Path:
    """``data.jsonl`` -> ``data.curated.jsonl`` beside it."""
    stem = source.name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".pq"):
        stem = stem.removesuffix(suffix)
    return source.with_name(stem + ".curated.jsonl")


class ExportDialog(QDialog):
    """Asks for the export's options, and before replacing existing files, whether to.

    The save dialog behind Browse… asks about the curated file itself; a name typed or left at
    its default (``data.curated.jsonl``, often there from an earlier export) is asked about
    here, so an export never replaces a file the curator did not agree to replace.
    """

    def __init__(self, source: Path, summary: Summary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Curated Dataset")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        counts = (
            f"{summary.kept:,} kept records will be written in file order, each as it "
            f"was read. {summary.dropped:,} dropped"
        )
        left_out = summary.dropped + summary.undecided
        counts += (f" and {summary.undecided:,} undecided" if summary.undecided else "") + (
            " row is left out." if left_out == 1 else " rows are left out."
        )
        layout.addWidget(plain_label(counts, self))
        row = QHBoxLayout()
        self.path = QLineEdit(str(default_output(source)), self)
        self._confirmed: Path | None = None  # the path the save dialog asked about
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.dropped = QCheckBox("Also write the dropped records (…dropped.jsonl)", self)
        self.sidecar = QCheckBox(
            "Write a decisions sidecar: every row's score, flags and decision (…decisions.parquet)",
            self,
        )
        self.annotate = QCheckBox(
            "Add thresher_score, thresher_decision and thresher_decided_by fields to each record",
            self,
        )
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
        path, _ = QFileDialog.getSaveFileName(
            self, "Export curated dataset", self.path.text(), "JSON Lines (*.jsonl)"
        )
        if path:
            chosen = path if path.endswith(".jsonl") else path + ".jsonl"
            self.path.setText(chosen)
            # The save dialog confirmed replacing exactly the name it returned.
            self._confirmed = Path(chosen).expanduser() if chosen == path else None

    def accept(self) -> None:
        """Close with Export, after asking whether to replace any output that exists."""
        if self.replace_confirmed():
            super().accept()

    def replace_confirmed(self) -> bool:
        """Whether the outputs may be written: none exists, or the curator agreed to replace."""
        options = self.options()
        outputs = [
            options.output,
            options.dropped,
            options.sidecar,
            options.manifest_path if options.write_manifest else None,
        ]
        existing = [path for path in outputs if path is not None and path.exists()]
        if not existing or options.output == self._confirmed:
            return True  # nothing to replace, or replacing the curated file was agreed
        names = "\n".join(f"  {path}" for path in existing)
        box = plain_message(
            self,
            "Replace existing files?",
            f"These files already exist and the export would replace "
            f"them:\n{names}\n\nReplace them?",
            QMessageBox.Icon.Question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def options(self) -> ExportOptions:
        """The export the dialog describes."""
        output = Path(self.path.text().strip()).expanduser()
        stem = output.name.removesuffix(".jsonl")
        return ExportOptions(
            output=output,
            dropped=output.with_name(stem + ".dropped.jsonl") if self.dropped.isChecked() else None,
            sidecar=output.with_name(stem + ".decisions.parquet")
            if self.sidecar.isChecked()
            else None,
            write_manifest=self.manifest.isChecked(),
            annotate=self.annotate.isChecked(),
        )
