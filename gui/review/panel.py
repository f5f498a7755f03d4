"""The Review dock's widgets: the automatic rule, the decision buttons and the summary.

Pure presentation: it shows a :class:`core.review.Rule` and a summary and emits the rule the
curator edits; :class:`gui.review.dock.ReviewDock` does the rest.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.review import Rule
from core.review.rule import MODE_LABELS, MODES
from core.review.session import Summary
from core.scoring.heuristics import FLAG_NAMES
from gui.widgets.text_widgets import plain_label


class ReviewPanel(QWidget):
    """Rule editor, decision buttons and live counts."""

    rule_changed = Signal(object)  # Rule

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self._restoring = False
        self._summary: Summary | None = None
        # Set in the Overlap dock, not here: kept as shown so editing the rule here keeps it.
        self._drop_overlap: tuple[str, ...] = ()
        # The rule's other scorers' conditions and rank average (set from the command line or
        # the histogram of another scorer): kept as shown so editing the rule here keeps them.
        self._several: dict = {"conditions": (), "combine": "all", "rank_weights": ()}
        # The spin boxes round what they show (3 decimals, a percentage with 1): each holds the
        # value set_rule gave it, exactly, for as long as it still shows that value, so editing
        # another part of the rule never moves the cutoff by a rounding (found by the soak).
        self._exact: dict[str, tuple[float, float]] = {}
        layout = QVBoxLayout(self)

        rule_box = QGroupBox("Automatic rule", self)
        form = QFormLayout(rule_box)
        self.scorer = QComboBox(rule_box)
        self.scorer.setToolTip(
            "The score column the rule reads: the last scorer run, or a "
            "chosen one (each scorer keeps its own column)"
        )
        self.scorer.addItem("Last scorer run", "")
        form.addRow(plain_label("Scorer"), self.scorer)
        self.rule_text = plain_label("", rule_box)
        self.rule_text.setWordWrap(True)
        self.rule_text.hide()
        self.mode = QComboBox(rule_box)
        for mode in MODES:
            self.mode.addItem(MODE_LABELS[mode], mode)
        self.min_score = QDoubleSpinBox(
            rule_box, decimals=3, minimum=-1e6, maximum=1e6, singleStep=0.05
        )
        self.keep_top = QSpinBox(rule_box, minimum=0, maximum=2_000_000_000, singleStep=100)
        self.keep_fraction = QDoubleSpinBox(
            rule_box, decimals=1, minimum=0.0, maximum=100.0, singleStep=5.0, suffix=" %"
        )
        self.value_stack = QStackedWidget(rule_box)
        self.value_stack.addWidget(plain_label("every row", rule_box))
        for widget in (self.min_score, self.keep_top, self.keep_fraction):
            self.value_stack.addWidget(widget)
        form.addRow(plain_label("Keep"), self.mode)
        form.addRow(plain_label(""), self.value_stack)
        form.addRow(self.rule_text)
        self.drop_duplicates = QCheckBox("Drop duplicates (all but the kept copy)", rule_box)
        form.addRow(self.drop_duplicates)
        flags = QWidget(rule_box)
        flag_layout = QGridLayout(flags)
        flag_layout.setContentsMargins(0, 0, 0, 0)
        self.flag_boxes = {}
        for i, name in enumerate(FLAG_NAMES):
            box = QCheckBox(name, flags)
            self.flag_boxes[name] = box
            flag_layout.addWidget(box, i // 3, i % 3)
        form.addRow(plain_label("Drop flagged"), flags)
        layout.addWidget(rule_box)

        decide_box = QGroupBox("Decide", self)
        buttons = QHBoxLayout(decide_box)
        self.keep_button = QToolButton(decide_box)
        self.drop_button = QToolButton(decide_box)
        self.auto_button = QToolButton(decide_box)
        self.queue_button = QToolButton(decide_box)
        for button in (self.keep_button, self.drop_button, self.auto_button, self.queue_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addWidget(decide_box)
        # What the learned scorer learned (or why not yet): right under the keys that teach it.
        self.learned_label = plain_label("—", self)
        self.learned_label.setWordWrap(True)
        layout.addWidget(self.learned_label)

        summary_box = self.summary_box = QGroupBox("Curated set", self)
        summary = QFormLayout(summary_box)
        self.kept_label = plain_label("—", summary_box)
        self.dropped_label = plain_label("—", summary_box)
        self.undecided_label = plain_label("—", summary_box)
        self.manual_label = plain_label("—", summary_box)
        self.tokens_label = plain_label("—", summary_box)
        summary.addRow(plain_label("Kept"), self.kept_label)
        summary.addRow(plain_label("Dropped"), self.dropped_label)
        summary.addRow(plain_label("Undecided"), self.undecided_label)
        summary.addRow(plain_label("Your overrides"), self.manual_label)
        summary.addRow(plain_label("Kept tokens (≈)"), self.tokens_label)
        self.export_button = QToolButton(summary_box)
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        summary.addRow(self.export_button)
        layout.addWidget(summary_box)
        layout.addStretch(1)

        # A typed value is one rule change (and one undo step) when it is entered, not one per
        # keystroke; the arrows and the wheel still change the rule step by step.
        for widget in (self.min_score, self.keep_top, self.keep_fraction):
            widget.setKeyboardTracking(False)
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.scorer.currentIndexChanged.connect(self._emit)
        for widget in (self.min_score, self.keep_top, self.keep_fraction):
            widget.valueChanged.connect(self._emit)
        self.drop_duplicates.toggled.connect(self._emit)
        for box in self.flag_boxes.values():
            box.toggled.connect(self._emit)

    def set_rule(self, rule: Rule) -> None:
        """Show ``rule`` without emitting :attr:`rule_changed`."""
        self._updating = True
        try:
            self.mode.setCurrentIndex(MODES.index(rule.mode))
            self.value_stack.setCurrentIndex(MODES.index(rule.mode))
            self.min_score.setValue(rule.min_score)
            self.keep_top.setValue(rule.keep_top)
            self.keep_fraction.setValue(rule.keep_fraction * 100)
            self._exact = {
                "min_score": (self.min_score.value(), rule.min_score),
                "keep_fraction": (self.keep_fraction.value(), rule.keep_fraction),
            }
            self.drop_duplicates.setChecked(rule.drop_duplicates)
            for name, box in self.flag_boxes.items():
                box.setChecked(name in rule.drop_flags)
            self._drop_overlap = rule.drop_overlap
            self._several = {
                "conditions": rule.conditions,
                "combine": rule.combine,
                "rank_weights": rule.rank_weights,
            }
            self._select_scorer(rule.scorer)
            self.scorer.setEnabled(not rule.rank_weights)
        finally:
            self._updating = False

    def set_scorers(self, names: dict[str, str]) -> None:
        """Offer the score columns (key -> name) as the scorer the rule reads."""
        if names == getattr(self, "_names", None):
            return
        self._names = dict(names)
        current = self.scorer.currentData() or ""
        self._updating, updating = True, self._updating
        try:
            self.scorer.clear()
            self.scorer.addItem("Last scorer run", "")
            for key, name in names.items():
                self.scorer.addItem(name, key)
            self._select_scorer(current)
        finally:
            self._updating = updating

    def _select_scorer(self, key: str) -> None:
        index = self.scorer.findData(key)
        if index < 0:  # a column not restored yet: shown by key until its name arrives
            self.scorer.addItem(key[:12], key)
            index = self.scorer.count() - 1
        self.scorer.setCurrentIndex(index)

    def show_rule_text(self, text: str) -> None:
        """Spell out a rule over several scorers (the widgets above show only its main part)."""
        self.rule_text.setText(text)
        self.rule_text.setVisible(bool(text))

    def rule(self) -> Rule:
        """The rule the widgets show."""
        return Rule(
            mode=self.mode.currentData(),
            min_score=self._value("min_score", self.min_score.value()),
            keep_top=self.keep_top.value(),
            keep_fraction=self._value("keep_fraction", round(self.keep_fraction.value() / 100, 3)),
            drop_duplicates=self.drop_duplicates.isChecked(),
            drop_flags=tuple(n for n, b in self.flag_boxes.items() if b.isChecked()),
            drop_overlap=self._drop_overlap,
            scorer=self.scorer.currentData() or "",
            **self._several,
        )

    def _value(self, name: str, edited: float) -> float:
        """What a spin box means: the exact value it was given while it still shows that."""
        shown, exact = self._exact.get(name, (None, edited))
        widget = self.min_score if name == "min_score" else self.keep_fraction
        return exact if widget.value() == shown else edited

    def show_restoring(self, restoring: bool) -> None:
        """While cached scores are being restored the counts are not the curated set yet."""
        self._restoring = restoring
        self.summary_box.setTitle("Curated set (restoring…)" if restoring else "Curated set")
        if restoring:
            for label in (
                self.kept_label,
                self.dropped_label,
                self.undecided_label,
                self.manual_label,
                self.tokens_label,
            ):
                label.setText("restoring…")
        elif self._summary is not None:
            self.show_summary(self._summary)

    def clear_summary(self) -> None:
        """No session: no counts at all (never the last session's)."""
        self._summary = None
        for label in (
            self.kept_label,
            self.dropped_label,
            self.undecided_label,
            self.manual_label,
            self.tokens_label,
        ):
            label.setText("—")

    def show_summary(self, summary: Summary) -> None:
        """Update the counts (held back while restoring: they would read "Kept 4")."""
        self._summary = summary
        if self._restoring:
            return
        total = max(1, summary.rows)
        self.kept_label.setText(f"{summary.kept:,}  ({summary.kept / total:.1%})")
        self.dropped_label.setText(f"{summary.dropped:,}  ({summary.dropped / total:.1%})")
        self.undecided_label.setText(f"{summary.undecided:,}")
        self.manual_label.setText(f"{summary.manual:,}")
        self.tokens_label.setText(f"{summary.kept_tokens:,}")

    def show_tie_note(self, note: str) -> None:
        """Say on the kept count how a best-N cutoff broke a tie (the plots say the same)."""
        self.kept_label.setToolTip(note + "." if note else "")

    def _on_mode(self) -> None:
        self.value_stack.setCurrentIndex(self.mode.currentIndex())
        self._emit()

    def _emit(self) -> None:
        if not self._updating:
            self.rule_changed.emit(self.rule())
