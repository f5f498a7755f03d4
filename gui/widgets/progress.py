"""One progress-and-cancel control for every long job: a bar and a Cancel button beside it.

The main window's status bar and the docks (scoring, duplicates, overlap, map) all show the
same thing while a job runs, so they share one widget: it is hidden (or its Cancel disabled)
when idle, takes a fraction in [0, 1], and says so when the job's total is not known yet.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

#: The bar's resolution: a fraction is shown to a tenth of a percent.
STEPS = 1000


class ProgressCancel(QWidget):
    """A progress bar with a Cancel button; emits :attr:`cancel_requested` when pressed.

    ``hide_when_idle`` hides the whole control between jobs (status bars, compact panels);
    otherwise the bar stays visible at its last value and only Cancel is disabled, so a panel's
    layout does not jump when a run starts.
    """

    cancel_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        hide_when_idle: bool = True,
        bar_width: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._hide_when_idle = hide_when_idle
        self.bar = QProgressBar(self)
        self.bar.setRange(0, STEPS)
        if bar_width is not None:
            self.bar.setMaximumWidth(bar_width)
        self.cancel_button = QPushButton("Cancel", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._running = False
        self._show_idle()

    @property
    def running(self) -> bool:
        """Whether a job is being shown."""
        return self._running

    def start(self) -> None:
        """A job started: an empty bar and an enabled Cancel."""
        self._running = True
        self.bar.setRange(0, STEPS)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.setVisible(True)

    def set_fraction(self, fraction: float | None) -> None:
        """Show ``fraction`` done; ``None`` (total unknown) shows a busy bar."""
        if fraction is None:
            self.bar.setRange(0, 0)
            return
        if self.bar.maximum() == 0:
            self.bar.setRange(0, STEPS)
        self.bar.setValue(round(min(max(fraction, 0.0), 1.0) * STEPS))

    def finish(self) -> None:
        """The job ended (done, failed or cancelled)."""
        self._running = False
        self._show_idle()

    def _show_idle(self) -> None:
        self.cancel_button.setEnabled(False)
        if self.bar.maximum() == 0:
            self.bar.setRange(0, STEPS)
        if self._hide_when_idle:
            self.setVisible(False)
