"""The filter bar above the table: text or regex search, score range, decision, source, flags.

Edits are collected for a moment (typing is one filter, not one per key) and then emitted as a
:class:`core.review.RowFilter`; a regular expression that does not compile is reported beside
the search box instead of being applied.
"""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import QLocale, QTimer, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from core.review import FilterError, RowFilter
from core.review.filters import SCORE_FLAGS
from core.scoring.heuristics import FLAG_NAMES
from gui.widgets.flow_layout import FlowLayout
from gui.widgets.text_widgets import plain_label

DEBOUNCE_MS = 300


class FilterBar(QWidget):
    """Filter controls; emits :attr:`filter_changed` with a valid filter."""

    filter_changed = Signal(object)  # RowFilter
    invalid = Signal(object)  # FilterError: why the filter as typed cannot be applied

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The controls wrap onto a second line in a narrow window rather than widen it.
        layout = FlowLayout(self)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.search = QLineEdit(
            self, placeholderText="Search prompt and response…", clearButtonEnabled=True
        )
        self.regex = QCheckBox("Regex", self)
        self.field = self._combo(
            (("In both", "both"), ("In prompt", "prompt"), ("In response", "response")), "Search in"
        )
        self.score_min = self._number("min score")
        self.score_max = self._number("max score")
        self.score_column = self._combo(
            (("of the rule's score", ""),), "Which scorer's column the score range reads"
        )
        self.decision = self._combo(
            (
                ("Any decision", ""),
                ("Kept", "keep"),
                ("Dropped", "drop"),
                ("Undecided", "undecided"),
            ),
            "Final decision",
        )
        self.source = self._combo(
            (("Any source", "any"), ("By the rule", "rule"), ("By a curator", "curator")),
            "Decided by",
        )
        self.duplicates = self._combo(
            (("Dups and unique", "any"), ("Duplicates", "duplicates"), ("Unique", "unique")),
            "Duplicates",
        )
        self.overlap = self._combo(
            (
                ("Overlap or not", "any"),
                ("Overlapping a reference", "overlapping"),
                ("No overlap", "clean"),
            ),
            "Overlap with reference files",
        )
        self.flags = self._combo(
            (("Any flags", ""), *((f"Flag: {n}", n) for n in (*FLAG_NAMES, *SCORE_FLAGS))),
            "Rows with this flag",
        )
        # A lasso, box or topic chosen on the Map dock: shown as one button that removes it.
        self.map_button = QToolButton(self, text="Map selection ✕")
        self.map_button.setToolTip("Rows chosen on the map; click to show all of the map again")
        self.map_button.hide()
        self._map = RowFilter()  # holds only the map fields
        self.clear_button = QToolButton(self, text="Clear")
        self.search.setMinimumWidth(260)
        # The reason can be long: a short note here, the whole reason in its tooltip (escaped,
        # since it quotes what was typed). Its room is kept even when empty, so the note
        # appearing never moves the other controls.
        self.error = plain_label("", self)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setFixedWidth(self.error.fontMetrics().horizontalAdvance("Invalid filter") + 8)
        for widget in (
            self.search,
            self.regex,
            self.field,
            self.score_min,
            self.score_max,
            self.score_column,
            self.decision,
            self.source,
            self.duplicates,
            self.overlap,
            self.flags,
            self.map_button,
            self.clear_button,
            self.error,
        ):
            layout.addWidget(widget)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit)
        self._updating = False
        # The score bounds as set (e.g. by a click on a histogram bar), kept exact while the
        # rounded text shown for them is not edited.
        self._exact: dict[QLineEdit, tuple[str, float]] = {}
        self._max_open = False
        for edit in (self.search, self.score_min, self.score_max):
            edit.textChanged.connect(self._changed)
        for combo in (
            self.field,
            self.decision,
            self.source,
            self.duplicates,
            self.flags,
            self.overlap,
            self.score_column,
        ):
            combo.currentIndexChanged.connect(self._changed)
        self.regex.toggled.connect(self._changed)
        self.clear_button.clicked.connect(lambda: self.set_filter(RowFilter(), emit=True))
        self.map_button.clicked.connect(lambda: self.set_map_selection((), (), ""))

    def _combo(self, items, tooltip: str) -> QComboBox:
        combo = QComboBox(self)
        for text, value in items:
            combo.addItem(text, value)
        combo.setToolTip(tooltip)
        return combo

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        combo.setCurrentIndex(max(0, combo.findData(value)))

    def _number(self, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self, placeholderText=placeholder)
        validator = QDoubleValidator(edit)
        validator.setLocale(QLocale.c())
        edit.setValidator(validator)
        edit.setMaximumWidth(90)
        return edit

    def current(self) -> RowFilter:
        """The filter the controls describe (raises FilterError if it is invalid)."""

        def pick(combo: QComboBox) -> str:
            return combo.currentData()

        def number(edit: QLineEdit) -> float | None:
            text = edit.text().strip()
            if edit in self._exact and self._exact[edit][0] == edit.text():
                return self._exact[edit][1]  # shown rounded, kept exact (a bar's edge)
            return float(text) if text and text not in "+-." else None

        decision, flag = pick(self.decision), pick(self.flags)
        high_open = (
            self._max_open
            and self.score_max in self._exact
            and self._exact[self.score_max][0] == self.score_max.text()
        )
        return RowFilter(
            score_min=number(self.score_min),
            score_max=number(self.score_max),
            score_max_open=high_open,
            score_column=pick(self.score_column) or "",
            decisions=(decision,) if decision else (),
            source=pick(self.source),
            duplicates=pick(self.duplicates),
            flags=(flag,) if flag else (),
            overlap=pick(self.overlap),
            search=self.search.text(),
            regex=self.regex.isChecked(),
            search_field=pick(self.field),
            map_region=self._map.map_region,
            map_topics=self._map.map_topics,
            map_key=self._map.map_key,
        )

    def set_scorers(self, names: dict[str, str]) -> None:
        """Offer the score columns (key -> name) for the score range."""
        current = self.score_column.currentData() or ""
        wanted = [("of the rule's score", "")] + [(f"of {n}", k) for k, n in names.items()]
        if [
            (self.score_column.itemText(i), self.score_column.itemData(i))
            for i in range(self.score_column.count())
        ] == wanted:
            return
        self.score_column.blockSignals(True)
        self.score_column.clear()
        for text, key in wanted:
            self.score_column.addItem(text, key)
        self.score_column.blockSignals(False)
        self._select_scorer(current)

    def _select_scorer(self, key: str) -> None:
        self.score_column.blockSignals(True)
        index = self.score_column.findData(key)
        if index < 0:  # a saved filter's scorer whose column is not restored yet
            self.score_column.addItem(f"of {key[:12]}", key)
            index = self.score_column.count() - 1
        self.score_column.setCurrentIndex(index)
        self.score_column.blockSignals(False)

    def set_map_selection(self, region: tuple, topics: tuple, key: str) -> None:
        """Filter to a map region and/or topics (empty: no map criterion), applied at once."""
        self._map = RowFilter(
            map_region=tuple(region),
            map_topics=tuple(topics),
            map_key=key if region or topics else "",
        )
        self._show_map_button()
        self._emit()

    def current_map_selection(self) -> RowFilter:
        """The map part of the filter (region, topics, the map they belong to)."""
        return self._map

    def _show_map_button(self) -> None:
        parts = ([_region_kind(self._map.map_region)] if self._map.map_region else []) + (
            ["topic"] if self._map.map_topics else []
        )
        self.map_button.setText(f"Map: {' + '.join(parts)} ✕")
        self.map_button.setVisible(bool(parts))

    def set_filter(self, row_filter: RowFilter, emit: bool = False) -> None:
        """Show ``row_filter`` in the controls (restoring a session), optionally applying it."""
        self._updating = True
        try:
            self.search.setText(row_filter.search)
            self.regex.setChecked(row_filter.regex)
            self._select(self.field, row_filter.search_field)
            self._exact = {}
            for edit, value in (
                (self.score_min, row_filter.score_min),
                (self.score_max, row_filter.score_max),
            ):
                edit.setText("" if value is None else f"{value:g}")
                if value is not None:
                    self._exact[edit] = (edit.text(), value)
            self._max_open = row_filter.score_max_open
            self.score_max.setToolTip(
                "Scores below this (a histogram bar's upper edge)"
                if row_filter.score_max_open
                else ""
            )
            self._select_scorer(row_filter.score_column)
            self._select(self.decision, row_filter.decisions[0] if row_filter.decisions else "")
            self._select(self.source, row_filter.source)
            self._select(self.duplicates, row_filter.duplicates)
            self._select(self.overlap, row_filter.overlap)
            self._select(self.flags, row_filter.flags[0] if row_filter.flags else "")
            self._map = replace(
                RowFilter(),
                map_region=row_filter.map_region,
                map_topics=row_filter.map_topics,
                map_key=row_filter.map_key,
            )
            self._show_map_button()
            self.error.setText("")
        finally:
            self._updating = False
        if emit:
            self._emit()

    def _changed(self) -> None:
        if not self._updating:
            self._timer.start()

    def _emit(self) -> None:
        self._timer.stop()
        try:
            row_filter = self.current()
        except (FilterError, ValueError) as exc:
            self.error.setText("Invalid regex" if self.regex.isChecked() else "Invalid filter")
            self.error.setToolTip("<qt>" + html.escape(str(exc)) + "</qt>")
            self.invalid.emit(exc if isinstance(exc, FilterError) else FilterError(str(exc)))
            return
        self.error.setText("")
        self.error.setToolTip("")
        self.filter_changed.emit(row_filter)


def _region_kind(region: tuple) -> str:
    """``box`` for the map's box selection, else ``lasso``.

    A box is four axis-aligned corners in the order the box draws them; reading it from the
    region itself means a restored filter's chip says the same.
    """
    if len(region) == 4:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = region
        if y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0:
            return "box"
    return "lasso"
