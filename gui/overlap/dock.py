"""The Overlap dock: checks the open dataset against reference files, in the background.

It owns the check's result and hands on what others show: the level bits per row go to the
review rule and filter (:attr:`OverlapDock.overlap_changed`), the strongest match per row to
the table's Overlap column, and the matching reference record to the detail pane
(:meth:`OverlapDock.detail_for`). The drop-per-level choices edit the review rule.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from core.dataset import Dataset
from core.overlap.config import OverlapConfig
from core.overlap.detail import OverlapDetail
from core.overlap.result import OverlapResult
from core.overlap.spans import shared_spans
from core.overlap.staleness import stale_reason
from core.overlap.texts import field_text
from gui.error_hook import log_failure
from gui.overlap.jobs import CheckJob, RestoreJob, StaleJob
from gui.overlap.panel import LEVEL_TITLES, OverlapPanel
from gui.table.model import RecordsTableModel
from gui.widgets.feature_dock import FeatureDock

#: How often the references' size and modification time are compared (one ``stat`` each);
#: a difference has them hashed again in the background.
POLL_MS = 2_000


class OverlapDock(FeatureDock):
    """Overlap checks against reference files, their counts, and the drop choices."""

    overlap_changed = Signal(object)  # uint8 level bits per row
    drop_levels_changed = Signal(object)  # tuple of levels the rule should drop
    status = Signal(str)

    def __init__(self, model: RecordsTableModel, parent: QWidget | None = None) -> None:
        super().__init__("Overlap", "overlap_dock", parent)
        self.table_model = model
        self.panel = OverlapPanel(self)
        self.setWidget(self.panel)
        self.check = CheckJob(self)
        self.restore = RestoreJob(self)
        self.stale_job = StaleJob(self)
        self._stats: dict[str, tuple | None] = {}
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.poll_references)
        self.dataset: Dataset | None = None
        self.project: Path | None = None
        self.result: OverlapResult | None = None
        self.references: list[Dataset | None] = []
        self.panel.run_requested.connect(self.start)
        self.panel.cancel_requested.connect(self.check.cancel)
        self.panel.drop_changed.connect(self.drop_levels_changed)
        self.check.progressed.connect(self.panel.show_progress)
        self.check.done.connect(self._on_checked)
        self.check.failed.connect(self._on_failed)
        self.check.cancelled.connect(self._on_cancelled)
        self.restore.restored.connect(self._on_restored)
        self.restore.failed.connect(self._on_failed)
        self.stale_job.checked.connect(self._on_states)
        self.stale_job.failed.connect(self._on_failed)

    # -- dataset -------------------------------------------------------------------------------

    def set_dataset(self, dataset: Dataset | None, project: Path | None) -> None:
        """Show ``dataset`` (restoring its project's last check) or nothing."""
        self.check.cancel()
        self.restore.cancel()
        self.stale_job.cancel()
        self.panel.set_running(False)
        self.panel.show_stale(None)
        self.dataset, self.project = dataset, project
        # A new dataset's session starts with no overlap: nothing to tell the rule.
        self._show(None, [], announce=False)
        if dataset is not None and project is not None:
            self.restore.start(dataset, project)

    def set_drop_levels(self, levels: tuple[str, ...]) -> None:
        """Show the rule's drop-per-level choices (the rule changed elsewhere)."""
        self.panel.set_drop_levels(levels)

    def start(self, paths: list[str], settings: OverlapConfig) -> None:
        """Check the dataset against ``paths`` in the background."""
        if self.dataset is None or self.project is None:
            return
        self.panel.set_running(True)
        self.status.emit(f"Checking overlap with {len(paths)} reference(s): {settings.describe()}…")
        self.check.start(self.dataset, paths, settings, self.project)

    def shutdown(self) -> None:
        """Stop background work (the window is closing)."""
        self._poll.stop()
        self.check.cancel()
        self.restore.cancel()
        self.stale_job.cancel()

    # -- results -------------------------------------------------------------------------------

    def _on_checked(self, result: OverlapResult, references: list[Dataset]) -> None:
        self.panel.set_running(False)
        self._show(result, list(references))
        self.panel.show_stale(None)
        warnings = [info.warning() for info in result.references if info.rejected]
        warnings += [f"Note: {note}." for note in result.notes]
        summary = result.summary()
        self.status.emit(
            f"Overlap check done in {result.seconds:.1f} s: "
            f"{summary['overlapping']:,} rows overlap. " + " ".join(warnings)
        )

    def _on_restored(self, result: OverlapResult | None, references: list, states: list) -> None:
        if result is None:
            return
        self.panel.set_paths([info.path for info in result.references])
        self.panel.show_settings(result.settings)
        self._show(result, references)
        self._on_states(result, states)

    def _on_states(self, result: OverlapResult, states: list) -> None:
        """Say whether the shown check is still about the reference files on disk."""
        if result is not self.result:
            return
        reason = stale_reason(states)
        self.panel.show_stale(reason)
        for index, state in enumerate(states):
            if not state.current and index < len(self.references):
                self.references[index] = None  # its records are not the ones checked
        if reason:
            self.status.emit(f"Overlap: {reason}.")

    def poll_references(self) -> None:
        """Re-hash the references in the background when one looks different on disk."""
        if self.result is None:
            return
        now = _stats(self.result)
        if now != self._stats:
            self._stats = now
            self.stale_job.start(self.result)

    def _on_cancelled(self) -> None:
        self.panel.set_running(False)
        # The stage line said what the cancelled run was doing: show the standing check again.
        self.panel.show_result(self.result, "" if self.result is not None else "Check cancelled.")
        self.status.emit("Overlap check cancelled; the previous results are unchanged.")

    def _on_failed(self, exc: Exception) -> None:
        self.panel.set_running(False)
        reason = log_failure("Overlap check failed", exc)
        self.panel.stage.setText(f"Overlap check failed: {reason}")
        self.status.emit(f"Overlap check failed: {reason}")

    def _show(self, result: OverlapResult | None, references: list, announce: bool = True) -> None:
        self.result, self.references = result, references
        self._stats = {} if result is None else _stats(result)
        if result is None:
            self._poll.stop()
        else:
            self._poll.start()
        self.panel.show_result(result)
        n = 0 if self.dataset is None else len(self.dataset)
        if result is None or result.rows != n:
            self.table_model.set_overlap(None, {})
            if announce:
                self.overlap_changed.emit(np.zeros(n, dtype=np.uint8))
            return
        strongest = result.strongest()
        labels = {row: self._label(row) for row in np.flatnonzero(strongest >= 0).tolist()}
        self.table_model.set_overlap(strongest, labels)
        self.overlap_changed.emit(result.level_bits())

    def _label(self, row: int) -> str:
        match = self.result.match_of(row)
        if match is None:
            return ""
        info = self.result.references[match.reference]
        line = self.result.ref_location(match.reference, match.ref_row)
        return f"{LEVEL_TITLES[match.level].lower()} · {info.name}:{line}"

    # -- the detail pane -----------------------------------------------------------------------

    def detail_for(self, row: int) -> OverlapDetail | None:
        """The matching reference record of ``row``, with shared spans, or None."""
        if self.result is None or self.dataset is None or row >= self.result.rows:
            return None
        match = self.result.match_of(row)
        if match is None:
            return None
        info = self.result.references[match.reference]
        line = self.result.ref_location(match.reference, match.ref_row)
        how = {
            "exact": "identical after normalising",
            "ngram": f"{match.shared:,} shared {self.result.settings.ngram_words}-grams, "
            f"longest run {match.span:,} words, {match.similarity:.0%} of it",
            "near": f"Jaccard {match.similarity:.3f}",
            "semantic": f"cosine {match.similarity:.3f}",
        }[match.level]
        title = (
            f"OVERLAP ({LEVEL_TITLES[match.level].lower()}: {how}) with {info.name}, "
            f"{_unit(info.path)} {line}"
        )
        reference = (
            self.references[match.reference] if match.reference < len(self.references) else None
        )
        settings = self.result.settings
        if reference is None:
            return OverlapDetail(
                title + " (the file changed or is missing since the check)",
                "",
                [],
                settings.ngram_words,
                settings.min_words,
            )
        text = field_text(reference, settings.field(match.level), match.ref_row)
        own = field_text(self.dataset, settings.field(match.level), row)
        spans = shared_spans(text, own, settings.ngram_words, settings.min_words)
        return OverlapDetail(title, text, spans, settings.ngram_words, settings.min_words)


def _stats(result: OverlapResult) -> dict[str, tuple | None]:
    """Size and modification time of each reference (None: gone), to notice edits cheaply."""
    out: dict[str, tuple | None] = {}
    for info in result.references:
        try:
            stat = Path(info.path).stat()
            out[info.path] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            out[info.path] = None
    return out


def _unit(path: str) -> str:
    return "record" if path.endswith((".json", ".parquet", ".pq")) else "line"
