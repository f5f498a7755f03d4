"""The simulator's controls: size, noise and duplication sliders, presets and the readout.

Pure presentation: it shows a :class:`core.simulator.Point` and its estimate and emits the
point the curator sets; :class:`gui.simulator.dock.SimulatorDock` does the rest.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from core.simulator.model import DEFAULT_COPIES, Estimate, Point, size_for
from core.simulator.presets import PRESETS
from core.simulator.your_data import YourData
from gui.widgets.plot_style import short_count
from gui.widgets.text_widgets import plain_label

#: The size slider runs over log10(size) in this many steps from 10² to 10⁷.
SIZE_STEPS = 500
SIZE_LOG_RANGE = (2.0, 7.0)
#: Noise and duplication sliders step in tenths of a percent.
PERCENT_STEPS = 1000
MAX_NOISE = 0.95

HOW_PLACED = (
    "How your data is placed: D counts rows (all of them, or the kept ones). ρ is the share of "
    "those rows with a copy among them, from the duplicate run. η is estimated from the scores "
    "without labels, as DivideMix does with losses: a two-component Gaussian mixture is fitted "
    "to the scores and η is the mean probability of the lower component. The random selection "
    "has the curated size and is measured the same way."
)


def size_to_slider(size: float) -> int:
    """The slider position of ``size`` (clamped to the slider's range)."""
    low, high = SIZE_LOG_RANGE
    position = (math.log10(max(size, 1)) - low) / (high - low) * SIZE_STEPS
    return round(min(max(position, 0), SIZE_STEPS))


def slider_to_size(position: int) -> float:
    """The size at slider ``position``, rounded to three significant figures."""
    low, high = SIZE_LOG_RANGE
    size = 10 ** (low + (high - low) * position / SIZE_STEPS)
    return float(f"{size:.3g}")


class SimulatorPanel(QWidget):
    """Sliders, presets and where the curator's own data sits."""

    point_changed = Signal(object)  # Point
    preset_chosen = Signal(str)  # "raw" or "curated" (the dock knows those points)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self._size = 10_000.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)

        inputs = QGroupBox("Dataset", self)
        form = QFormLayout(inputs)
        self.size_slider = self._slider(SIZE_STEPS)
        self.noise_slider = self._slider(int(PERCENT_STEPS * MAX_NOISE))
        self.dup_slider = self._slider(PERCENT_STEPS)
        self.size_value = plain_label("", inputs)
        self.noise_value = plain_label("", inputs)
        self.dup_value = plain_label("", inputs)
        for label, slider, value, tip in (
            (
                "Size D",
                self.size_slider,
                self.size_value,
                "Rows in the SFT set, copies included (log scale, 100 to 10M)",
            ),
            (
                "Noise η",
                self.noise_slider,
                self.noise_value,
                "Share of rows whose response is wrong, off-topic or low quality",
            ),
            (
                "Duplication ρ",
                self.dup_slider,
                self.dup_value,
                "Share of rows that have at least one copy in the set",
            ),
        ):
            row = QHBoxLayout()
            row.addWidget(slider, 1)
            value.setMinimumWidth(64)
            row.addWidget(value)
            slider.setToolTip(tip)
            form.addRow(plain_label(label, inputs), row)
        self.copies = QDoubleSpinBox(
            inputs,
            decimals=1,
            minimum=DEFAULT_COPIES,
            maximum=1000.0,
            singleStep=1.0,
            value=DEFAULT_COPIES,
        )
        self.copies.setToolTip(
            "Rows per duplicated example: more copies of fewer examples leave less unique data"
        )
        form.addRow(plain_label("Copies per duplicate", inputs), self.copies)
        layout.addWidget(inputs)

        presets = QGroupBox("Presets", self)
        grid = QGridLayout(presets)
        self.preset_buttons: dict[str, QPushButton] = {}
        for i, preset in enumerate(PRESETS.values()):
            button = QPushButton(preset.label, presets)
            button.setToolTip(preset.source)
            button.clicked.connect(lambda _c=False, p=preset.point: self.set_point(p, True))
            self.preset_buttons[preset.key] = button
            grid.addWidget(button, 0, i)
        for i, (key, label) in enumerate(
            (("raw", "Your raw data"), ("curated", "Your curated set"))
        ):
            button = QPushButton(label, presets)
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, k=key: self.preset_chosen.emit(k))
            self.preset_buttons[key] = button
            grid.addWidget(button, 1, i)
        layout.addWidget(presets)

        placed = QGroupBox("Your data", self)
        placed_box = QVBoxLayout(placed)
        self.your_data = plain_label("Open and score a dataset to place it here.", placed)
        self.your_data.setWordWrap(True)
        self.how = plain_label(HOW_PLACED, placed)
        self.how.setWordWrap(True)
        self.how.setStyleSheet("color: #555555;")
        placed_box.addWidget(self.your_data)
        placed_box.addWidget(self.how)
        layout.addWidget(placed)
        layout.addStretch(1)

        for slider in (self.size_slider, self.noise_slider, self.dup_slider):
            slider.valueChanged.connect(self._emit)
        self.copies.valueChanged.connect(self._emit)

    def _slider(self, maximum: int) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal, self)
        slider.setRange(0, maximum)
        slider.setMinimumWidth(160)
        return slider

    # -- the point -----------------------------------------------------------------------------

    def point(self) -> Point:
        """The point the controls describe."""
        return Point(
            size=self._size,
            noise=self.noise_slider.value() / PERCENT_STEPS,
            duplication=self.dup_slider.value() / PERCENT_STEPS,
            copies=self.copies.value(),
        )

    def set_point(self, point: Point, emit: bool = False) -> None:
        """Show ``point`` (a preset or your data), optionally announcing it."""
        self._updating = True
        try:
            self._size = float(point.size)
            self.size_slider.setValue(size_to_slider(point.size))
            self.noise_slider.setValue(round(min(point.noise, MAX_NOISE) * PERCENT_STEPS))
            self.dup_slider.setValue(round(point.duplication * PERCENT_STEPS))
            self.copies.setValue(point.copies)
        finally:
            self._updating = False
        self._show_values()
        if emit:
            self.point_changed.emit(self.point())

    def _emit(self) -> None:
        if self._updating:
            return
        if self.sender() is self.size_slider:
            self._size = slider_to_size(self.size_slider.value())
        self._show_values()
        self.point_changed.emit(self.point())

    def _show_values(self) -> None:
        point = self.point()
        self.size_value.setText(f"{short_count(point.size)} rows")
        self.noise_value.setText(f"{point.noise:.1%}")
        self.dup_value.setText(f"{point.duplication:.1%}")

    # -- results -------------------------------------------------------------------------------

    def show_your_data(self, data: YourData | None) -> None:
        """Describe the placed sets and enable their buttons."""
        if data is None:
            self.your_data.setText("Open and score a dataset to place it here.")
            for key in ("raw", "curated"):
                self.preset_buttons[key].setEnabled(False)
            return
        lines = []
        for placed in data.sets():
            if placed.estimate is None:
                lines.append(f"{placed.name}: {placed.rows:,} rows (not placed)")
                continue
            lines.append(
                f"{placed.name}: {placed.rows:,} rows, η {placed.point.noise:.1%}, "
                f"ρ {placed.point.duplication:.1%} → "
                f"{placed.estimate.performance:.3f}"
            )
        self.your_data.setText("\n".join([*lines, *data.notes]))
        self.preset_buttons["raw"].setEnabled(data.raw.point is not None)
        self.preset_buttons["curated"].setEnabled(data.curated.point is not None)


class SimulatorReadout(QWidget):
    """The estimate in large type, its three factors, and the elasticity in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.performance_value = plain_label("", self)
        self.performance_value.setStyleSheet("font-size: 16pt; font-weight: 600;")
        title = plain_label("Estimated OOD performance", self)
        scale = plain_label("(1 = clean, unlimited, duplicate-free data)", self)
        scale.setStyleSheet("color: #555555;")
        scale.setWordWrap(True)
        self.performance_bar = QProgressBar(self, minimum=0, maximum=1000, textVisible=False)
        self.performance_bar.setMaximumWidth(160)
        self.parts = plain_label("", self)
        self.parts.setWordWrap(True)
        self.elasticity = plain_label("", self)
        self.elasticity.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.performance_value)
        top.addWidget(self.performance_bar)
        top.addWidget(scale, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.parts)
        layout.addWidget(self.elasticity)

    def show_estimate(self, point: Point, result: Estimate) -> None:
        """The number, its three factors and the elasticity in words."""
        self.performance_value.setText(f"{result.performance:.3f}")
        self.performance_bar.setValue(round(result.performance * 1000))
        self.parts.setText(
            f"data {result.data_factor:.3f} (effective size "
            f"{short_count(result.effective_size)}) × noise "
            f"{result.noise_factor:.3f} × duplication "
            f"{result.duplication_factor:.3f}"
        )
        needed = size_for(
            result.performance, min(point.noise + 0.01, 1.0), point.duplication, point.copies
        )
        offset = (
            "no amount of data makes up for one more point of noise here"
            if math.isinf(needed)
            else f"one more point of noise needs {short_count(needed)} rows "
            f"({needed / point.size - 1:+.0%})"
        )
        self.elasticity.setText(
            f"Elasticity ε = {result.elasticity:.3g}: noise 1% higher "
            f"(relative) needs {result.elasticity:.3g}% more data to hold "
            f"performance; {offset}."
        )
