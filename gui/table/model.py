"""The records table: a thin Qt adapter over the dataset's column arrays and a sort permutation.

Scores, flags and truncation are read from the :class:`core.review.ReviewSession`, the one
source of per-row truth that the plots and docks read too; the model keeps no copy. When the
session's rows change it repaints the affected columns, and re-sorts if the table is sorted by
one of them (a saved sort by score is restored before the cached scores arrive).

No ``QSortFilterProxyModel`` (104 s to sort 1M rows, measured in the house style notes): the
model keeps ``order`` (view row -> source row) and sorts it with ``numpy.argsort``, remapping
persistent indexes so the selection survives a sort. A filter is a boolean mask over source
rows applied to that order; the borderline queue replaces the order with its own. A big table's
text-column order is computed on a worker (:class:`gui.table.sort_job.TextSortJob`): the table
keeps its order until the new one arrives.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor

from core.dataset import Dataset
from core.dedup.keep import ROLE_NAMES
from core.dedup.outcome import DuplicateTable
from core.overlap.config import LEVELS as OVERLAP_LEVELS
from core.review import ReviewSession
from core.review.decisions import DROP, KEEP, NAMES
from core.review.score_columns import HEURISTIC_KEY
from core.scoring.heuristics import flag_names
from core.text_order import text_sort_keys
from gui.table.sort_job import TextSortJob

#: Characters of a prompt or response shown in a cell; the detail pane shows the rest.
CELL_TEXT_CHARS = 200
SourceRowRole = Qt.ItemDataRole.UserRole + 1
SortKeyRole = Qt.ItemDataRole.UserRole + 2
_ALIGN_NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
DECISION_COLOURS = {KEEP: QColor("#1f7a3f"), DROP: QColor("#b3261e")}
OVERLAP_COLOUR = QColor("#b3261e")


@dataclass(frozen=True)
class Column:
    """One table column: its header, and whether it shows text or a number."""

    title: str
    key: str
    numeric: bool
    tooltip: str
    decimals: int = 0


COLUMNS = (
    Column("#", "location", True, "Line in the file (record or row index for JSON and Parquet)"),
    Column(
        "Score", "score", True, "Reward-model score (or heuristic score); empty until scored", 3
    ),
    Column(
        "Decision",
        "decision",
        False,
        "Final decision: keep, drop, or empty while the rule cannot decide (no score yet)",
    ),
    Column("By", "decided_by", False, "Who decided: the rule, or a curator (a manual override)"),
    Column(
        "Dup",
        "dup_role",
        False,
        "Duplicates: the kept copy of a cluster, a duplicate the rule drops, or an extra copy "
        "the duplication budget allows",
    ),
    Column(
        "Cluster",
        "cluster",
        True,
        "The cluster's first line: a kept copy and the rows that each match it at or above "
        "the threshold; sort by it to see them together",
    ),
    Column("Size", "cluster_size", True, "How many rows the duplicate cluster has"),
    Column(
        "Similarity",
        "similarity",
        True,
        "Similarity to the cluster's kept copy, measured the way the row matched (exact: 1, "
        "near: word-shingle Jaccard, semantic: cosine); never below the threshold",
        3,
    ),
    Column(
        "Overlap",
        "overlap",
        False,
        "Overlap with a reference file (an evaluation set, earlier data): the strongest "
        "level (exact, 13-gram, near, semantic) and the matching record's file and line",
    ),
    Column("Prompt", "prompt", False, "The prompt, clipped to one line"),
    Column("Response", "response", False, "The response, clipped to one line"),
    Column(
        "Flags",
        "flags",
        False,
        "Heuristic warnings (empty, refusal, echo, garbage, repetitive) and scoring notes "
        "(truncated, unscorable)",
    ),
    Column("Prompt chars", "prompt_chars", True, "Prompt length in characters"),
    Column("Response chars", "response_chars", True, "Response length in characters"),
    Column("Prompt tok~", "prompt_tokens", True, "Approximate prompt tokens (characters / 4)"),
    Column(
        "Response tok~", "response_tokens", True, "Approximate response tokens (characters / 4)"
    ),
    Column("Turns", "turns", True, "Chat turns up to and including the response"),
)
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}
_DUPLICATE_KEYS = ("dup_role", "cluster", "cluster_size", "similarity")
#: Set bits per flag-mask byte: how many warnings a row has, for sorting the Flags column.
_BIT_COUNTS = np.array([bin(i).count("1") for i in range(256)], dtype=np.int8)
#: Which columns show each kind of per-row data the session reports as changed.
CHANGED_COLUMNS = {"scores": ("score", "flags"), "flags": ("flags",)}
#: Streamed scores re-sort a table sorted by them at most this often (1M rows: ~0.1 s a sort).
RESORT_DELAY_MS = 250
#: Decisions of up to this many rows repaint only their rows' cells (more: the whole columns).
FEW_ROWS = 64
#: From this many rows a text column is sorted on a worker (1M rows: ~1 s of Python and sort).
ASYNC_TEXT_SORT_ROWS = 50_000


def clip_to_line(text: str) -> str:
    """A cell's text: the first characters, newlines shown as a return symbol."""
    clipped = text[:CELL_TEXT_CHARS].replace("\r", "").replace("\n", " ⏎ ")
    return clipped + "…" if len(text) > CELL_TEXT_CHARS else clipped


class RecordsTableModel(QAbstractTableModel):
    """Rows of a :class:`core.dataset.Dataset`, sortable by any column."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._dataset: Dataset | None = None
        self._numbers: dict[str, np.ndarray] = {}
        self._order = np.zeros(0, dtype=np.int64)
        self._inverse = np.zeros(0, dtype=np.int64)
        self._source_rows = 0
        self._text_keys: dict[str, np.ndarray] = {}
        self._text_orders: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._sort_job = TextSortJob(self)
        self._sort_job.done.connect(self._on_text_sorted)
        self._overlap_labels: dict[int, str] = {}
        self._session: ReviewSession | None = None
        self._visible: np.ndarray | None = None
        self._fixed_order: np.ndarray | None = None
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._score_keys: tuple[str, ...] = ()  # visible score columns, after COLUMNS
        self._resort_timer = QTimer(self, singleShot=True, interval=RESORT_DELAY_MS)
        self._resort_timer.timeout.connect(self._resort)

    # -- data ----------------------------------------------------------------------------------

    def set_dataset(self, dataset: Dataset | None) -> None:
        """Show ``dataset`` (or nothing) in file order."""
        self.beginResetModel()
        self._dataset = dataset
        self._session = None
        self._visible = None
        self._fixed_order = None
        self._sort_column = -1
        self._text_keys = {}
        self._text_orders = {}
        self._sort_job.cancel()
        self._resort_timer.stop()
        n = self._source_rows = 0 if dataset is None else len(dataset)
        if dataset is None:
            self._numbers = {}
            self._set_order(np.zeros(0, dtype=np.int64))
        else:
            self._numbers = {
                "location": dataset.locations,
                "prompt_chars": dataset.prompt_chars,
                "response_chars": dataset.response_chars,
                "prompt_tokens": dataset.prompt_tokens,
                "response_tokens": dataset.response_tokens,
                "turns": dataset.turns,
            }
            self._clear_duplicate_columns(n)
            self._numbers["overlap"] = np.full(n, len(OVERLAP_LEVELS), dtype=np.int8)
            self._overlap_labels = {}
            self._set_order(np.arange(len(dataset), dtype=np.int64))
        self.endResetModel()

    def set_session(self, session: ReviewSession | None) -> None:
        """Show ``session``'s decisions, scores and flags (it must belong to the dataset shown)."""
        self._session = session
        self.decisions_changed()
        self.rows_changed("scores")

    # -- score columns (one per visible scorer, after the fixed columns) -----------------------

    def score_column_keys(self) -> tuple[str, ...]:
        """The scorer keys of the score columns shown, in table order."""
        return self._score_keys

    def _wanted_score_keys(self) -> tuple[str, ...]:
        session = self._session
        if session is None:
            return ()
        return tuple(k for k, c in session.columns.items() if not c.hidden)

    def score_columns_changed(self) -> None:
        """Show the session's visible score columns (after a run, hide, show, rename, remove)."""
        wanted = self._wanted_score_keys()
        if wanted == self._score_keys:
            if wanted:  # a renamed column's header
                self.headerDataChanged.emit(
                    Qt.Orientation.Horizontal, len(COLUMNS), len(COLUMNS) + len(wanted) - 1
                )
            return
        sorted_key = self.column_at(self._sort_column).key if self._sort_column >= 0 else None
        # Columns are removed and inserted, never a model reset: a reset would lose the
        # current row and the selection while a run streams in.
        kept = [k for k in self._score_keys if k in wanted]
        if kept != [k for k in wanted if k in kept]:  # reordered: rare, reset
            self.beginResetModel()
            self._score_keys = wanted
            self.endResetModel()
        else:
            for index in reversed(range(len(self._score_keys))):
                if self._score_keys[index] not in wanted:
                    section = len(COLUMNS) + index
                    self.beginRemoveColumns(QModelIndex(), section, section)
                    self._score_keys = self._score_keys[:index] + self._score_keys[index + 1 :]
                    self.endRemoveColumns()
            for index, key in enumerate(wanted):
                if key not in self._score_keys:
                    section = len(COLUMNS) + index
                    self.beginInsertColumns(QModelIndex(), section, section)
                    self._score_keys = (*self._score_keys[:index], key, *self._score_keys[index:])
                    self.endInsertColumns()
        if sorted_key is not None:
            # The rows keep their order; only the sorted column's position may have moved.
            self._sort_column = next(
                (i for i in range(self.columnCount()) if self.column_at(i).key == sorted_key), -1
            )

    def column_at(self, section: int) -> Column:
        """The column shown at ``section``: a fixed one, or a scorer's score column."""
        if section < len(COLUMNS):
            return COLUMNS[section]
        key = self._score_keys[section - len(COLUMNS)]
        column = self._session.columns.get(key) if self._session is not None else None
        name = column.name if column is not None else key
        model = (column.description.get("model") if column is not None else None) or key
        return Column(
            name,
            f"score:{key}",
            True,
            f"{name}: scores of {model} (right-click the header to rename, hide or "
            "remove the column)",
            3,
        )

    def _scorer_scores(self, key: str) -> np.ndarray:
        session = self._session
        if session is None or key not in session.columns:
            return np.full(self._source_rows, np.nan, dtype=np.float32)
        return session.columns[key].scores

    def rows_changed(self, kind: str) -> None:
        """The session's ``kind`` of per-row data ("scores", "flags") changed: show it.

        A table sorted by a column of that data is sorted again, at most every
        :data:`RESORT_DELAY_MS` (a stream of score batches is a few re-sorts, not one a batch).
        """
        keys = CHANGED_COLUMNS.get(kind, ())
        if kind == "scores":
            self.score_columns_changed()
            keys = keys + tuple(f"score:{k}" for k in self._score_keys)
        elif kind == "flags" and HEURISTIC_KEY in self._score_keys:
            keys = (*keys, f"score:{HEURISTIC_KEY}")
        self._columns_changed(keys)
        self._resort_if_sorted_by(keys)

    def _resort_if_sorted_by(self, keys: tuple[str, ...]) -> None:
        """Re-sort soon when the column the table is sorted by is among ``keys`` (new values)."""
        sorted_key = self.column_at(self._sort_column).key if self._sort_column >= 0 else None
        if sorted_key in keys and not self._resort_timer.isActive():
            self._resort_timer.start()

    def _resort(self) -> None:
        if self._dataset is not None and self._fixed_order is None and self._sort_column >= 0:
            self._apply_order(self._sorted_visible())

    def decisions_changed(self, rows: np.ndarray | None = None) -> None:
        """Repaint the Decision and By columns (decisions or the rule changed).

        ``rows``: the only source rows whose decision changed (None: any row's may have).
        A few rows repaint only their own cells: a signal spanning the column makes the view
        repaint every visible cell (~950 ``data`` calls a key press, not ~15).
        """
        if rows is None or len(rows) > FEW_ROWS:
            self._columns_changed(("decision", "decided_by"))
            return
        first, last = COLUMN_INDEX["decision"], COLUMN_INDEX["decided_by"]
        for source in np.asarray(rows, dtype=np.int64).tolist():
            view = self.view_row(source)
            if view is not None:
                self.dataChanged.emit(
                    self.index(view, first), self.index(view, last), [Qt.ItemDataRole.DisplayRole]
                )

    def set_filter(self, visible: np.ndarray | None) -> None:
        """Show only source rows where ``visible`` is true (None: all), in the current sort."""
        self._visible = visible
        self._fixed_order = None
        self._reset_order()

    def set_fixed_order(self, rows: np.ndarray | None) -> None:
        """Show exactly ``rows`` in this order (the borderline queue); None goes back."""
        self._fixed_order = None if rows is None else np.asarray(rows, dtype=np.int64)
        self._reset_order()

    @property
    def fixed_order(self) -> bool:
        """Whether the table shows a fixed list (the queue) instead of filter and sort."""
        return self._fixed_order is not None

    def view_row(self, source_row: int) -> int | None:
        """Where ``source_row`` is shown, or None when it is filtered out (O(1))."""
        if not 0 <= source_row < len(self._inverse):
            return None
        view = int(self._inverse[source_row])
        return view if view >= 0 else None

    def visible_rows(self) -> np.ndarray:
        """The source rows shown, in view order."""
        return self._order.copy()

    @property
    def dataset(self) -> Dataset | None:
        """The dataset shown."""
        return self._dataset

    @property
    def session(self) -> ReviewSession | None:
        """The session whose rows are shown (None: no project could be opened)."""
        return self._session

    @property
    def scores(self) -> np.ndarray:
        """Scores by source row (NaN: not scored), read from the session."""
        if self._session is not None:
            return self._session.scores
        return np.full(self._source_rows, np.nan, dtype=np.float32)

    def _row_number(self, key: str, row: int):
        """A numeric cell's value: the session's per-row data, or the dataset's columns."""
        if key == "score":
            return self.scores[row]
        if key.startswith("score:"):
            return self._scorer_scores(key[6:])[row]
        if key == "flags":
            return self._flag_counts(slice(row, row + 1))[0]
        return self._numbers[key][row]

    def set_duplicates(self, table: DuplicateTable | None) -> None:
        """Show a duplicate table's columns (None clears them)."""
        if self._dataset is None:
            return
        n = len(self._dataset)
        if table is None or len(table.role) != n:
            self._clear_duplicate_columns(n)
        else:
            clustered = table.size > 1
            self._numbers["dup_role"] = table.role.astype(np.int8)
            self._numbers["cluster"] = np.where(clustered, table.cluster, n + np.arange(n))
            self._numbers["cluster_size"] = table.size
            self._numbers["similarity"] = table.similarity
        self._columns_changed(_DUPLICATE_KEYS)
        self._resort_if_sorted_by(_DUPLICATE_KEYS)

    def set_overlap(self, strongest: np.ndarray | None, labels: dict[int, str]) -> None:
        """Show each row's strongest overlap level and its cell text; None clears them.

        ``strongest`` indexes the overlap levels (-1: none); ``labels`` maps the rows that
        overlap to their cell text (level, reference file and line).
        """
        if self._dataset is None:
            return
        n = len(self._dataset)
        if strongest is None or len(strongest) != n:
            self._numbers["overlap"] = np.full(n, len(OVERLAP_LEVELS), dtype=np.int8)
            self._overlap_labels = {}
        else:
            # Strongest first when sorted ascending; rows without overlap last.
            self._numbers["overlap"] = np.where(
                strongest < 0, len(OVERLAP_LEVELS), strongest
            ).astype(np.int8)
            self._overlap_labels = dict(labels)
        self._columns_changed(("overlap", "flags"))
        self._resort_if_sorted_by(("overlap", "flags"))

    def _clear_duplicate_columns(self, n: int) -> None:
        # Unique rows sort after every cluster (their key is past the last row).
        self._numbers["dup_role"] = np.zeros(n, dtype=np.int8)
        self._numbers["cluster"] = n + np.arange(n, dtype=np.int64)
        self._numbers["cluster_size"] = np.ones(n, dtype=np.int32)
        self._numbers["similarity"] = np.full(n, np.nan, dtype=np.float32)

    def flags_text(self, row: int) -> str:
        """The Flags cell of a source row."""
        session = self._session
        if session is None:
            return ""
        flags = flag_names(int(session.flag_mask[row]))
        if session.truncated[row]:
            flags.append("truncated")
        if session.unscorable[row]:
            flags.append("unscorable")
        if row in self._overlap_labels:
            flags.append("overlap")
        return ", ".join(flags)

    def _flag_counts(self, rows: slice) -> np.ndarray:
        """How many warnings each row has: the Flags column sorts by it."""
        session = self._session
        if session is None:
            return np.zeros(len(range(*rows.indices(self._source_rows))), dtype=np.int8)
        return (
            _BIT_COUNTS[session.flag_mask[rows]]
            + session.truncated[rows]
            + session.unscorable[rows]
            + (self._numbers["overlap"][rows] < len(OVERLAP_LEVELS))
        )

    def _columns_changed(self, keys: tuple[str, ...]) -> None:
        """Repaint the cells of ``keys``' columns: one ``dataChanged`` over their span.

        One signal, not one a column: every listener (the view, a model tester) handles each
        signal in full, so several columns changed at once cost one repaint.
        """
        if not len(self._order):
            return
        columns = [
            len(COLUMNS) + self._score_keys.index(key[6:])
            if key.startswith("score:")
            else COLUMN_INDEX[key]
            for key in keys
            if not key.startswith("score:") or key[6:] in self._score_keys
        ]
        if columns:
            self.dataChanged.emit(
                self.index(0, min(columns)),
                self.index(len(self._order) - 1, max(columns)),
                [Qt.ItemDataRole.DisplayRole],
            )

    def source_row(self, view_row: int) -> int:
        """The dataset row shown at ``view_row``."""
        return int(self._order[view_row])

    # -- Qt model interface --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, D102
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, D102
        return 0 if parent.isValid() else len(COLUMNS) + len(self._score_keys)

    def data(  # noqa: D102
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ):
        if not index.isValid() or self._dataset is None:
            return None
        column = self.column_at(index.column())
        row = int(self._order[index.row()])
        if column.key in ("decision", "decided_by"):
            return self._decision_data(row, column.key, role)
        if role == Qt.ItemDataRole.DisplayRole:
            if column.key == "flags":
                return self.flags_text(row)
            if column.key == "overlap":
                return self._overlap_labels.get(row, "")
            if column.key in _DUPLICATE_KEYS:
                return self._duplicate_text(column.key, row)
            if column.decimals:
                value = float(self._row_number(column.key, row))
                if np.isnan(value):
                    session = self._session
                    unscorable = (
                        session is not None
                        and session.column(
                            column.key[6:] if column.key.startswith("score:") else None
                        ).unscorable[row]
                    )
                    return "—" if unscorable else ""
                return f"{value:.{column.decimals}f}"
            if column.numeric:
                return f"{int(self._row_number(column.key, row)):,}"
            texts = self._dataset.prompts if column.key == "prompt" else self._dataset.responses
            return clip_to_line(texts[row])
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "overlap":
            return OVERLAP_COLOUR if row in self._overlap_labels else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_NUMBER if column.numeric else None
        if role == SourceRowRole:
            return row
        if role == SortKeyRole and column.numeric:
            return self._row_number(column.key, row).item()
        return None

    def multiData(  # noqa: D102
        self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: QModelRoleDataSpan
    ) -> None:
        # The delegate asks for seven roles of each cell it paints. Without this, Qt's default
        # calls data() once per role, and every call from C++ into Python takes the GIL anew:
        # while a worker runs Python each take waits up to a switch interval, so a decision
        # key's repaint waited seven times per cell. One call per cell answers them all.
        for i in range(len(roleDataSpan)):
            item = roleDataSpan[i]
            value = self.data(index, item.role())
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _duplicate_text(self, key: str, row: int) -> str:
        if self._numbers["cluster_size"][row] <= 1:
            return ""
        if key == "dup_role":
            return ROLE_NAMES[int(self._numbers["dup_role"][row])]
        if key == "cluster":
            return f"{int(self._dataset.locations[self._numbers['cluster'][row]]):,}"
        if key == "cluster_size":
            return f"{int(self._numbers['cluster_size'][row]):,}"
        value = float(self._numbers["similarity"][row])
        return "" if np.isnan(value) else f"{value:.3f}"

    def _decision_data(self, row: int, key: str, role: int):
        session = self._session
        if session is None:
            return None
        decision = int(session.final[row])
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "decided_by":
                return session.decided_by(row) if decision or session.manual[row] else ""
            return NAMES[decision] if decision else ""
        if role == Qt.ItemDataRole.ForegroundRole and key == "decision":
            return DECISION_COLOURS.get(decision)
        if role == Qt.ItemDataRole.ToolTipRole and key == "decided_by":
            # The reason is dataset-independent text typed by the curator, but still shown
            # as plain text: Qt would render a tooltip with markup as rich text.
            reason = session.reasons.get(row)
            return None if not reason else "<qt>" + html.escape(reason) + "</qt>"
        if role == SourceRowRole:
            return row
        return None

    def headerData(  # noqa: D102
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.column_at(section).title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.column_at(section).tooltip
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # noqa: D102
        if self._dataset is None or not 0 <= column < self.columnCount():
            return
        self._sort_column, self._sort_order = column, order
        if self._fixed_order is not None:
            return
        if self._text_order_pending():
            return  # the order is swapped in when it arrives
        self._sort_job.cancel()
        self._apply_order(self._sorted_visible())

    def _text_order_pending(self) -> bool:
        """Whether the sort column's order is computed on a worker (started here if not yet)."""
        key = self.column_at(self._sort_column).key if self._sort_column >= 0 else None
        if (
            key not in ("prompt", "response")
            or key in self._text_orders
            or self._source_rows < ASYNC_TEXT_SORT_ROWS
        ):
            return False
        if not self._sort_job.running:
            texts = self._dataset.prompts if key == "prompt" else self._dataset.responses
            self._sort_job.start(key, texts)
        return True

    @property
    def sorting(self) -> bool:
        """Whether a text column's order is still being computed on a worker."""
        return self._sort_job.running

    def _on_text_sorted(
        self, key: str, keys: np.ndarray, ascending: np.ndarray, descending: np.ndarray
    ) -> None:
        if len(keys) != self._source_rows:
            return
        # Only the orders are kept: the keys of a 1M-row column are 96 MB of fixed-width text.
        self._text_orders[key] = (ascending, descending)
        if (
            self._sort_column >= 0
            and self.column_at(self._sort_column).key == key
            and self._fixed_order is None
        ):
            self._apply_order(self._sorted_visible())

    def _sorted_visible(self) -> np.ndarray:
        """Visible source rows in the current sort (file order when unsorted)."""
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        if self._sort_column < 0 or self._text_order_pending():
            permutation = np.arange(len(self._dataset), dtype=np.int64)
        elif self.column_at(self._sort_column).key in self._text_orders:
            permutation = self._text_orders[self.column_at(self._sort_column).key][descending]
        else:
            keys = self._sort_keys(self.column_at(self._sort_column))
            permutation = np.argsort(keys, kind="stable")
            if self._sort_order == Qt.SortOrder.DescendingOrder:
                if keys.dtype.kind == "f":
                    keys = np.where(np.isnan(keys), -np.inf, keys)  # unscored rows stay last
                # Reverse a stable ascending sort of the reversed keys: descending, ties in
                # file order.
                permutation = (len(keys) - 1 - np.argsort(keys[::-1], kind="stable"))[::-1]
        if self._visible is not None:
            permutation = permutation[self._visible[permutation]]
        return permutation

    def _reset_order(self) -> None:
        if self._dataset is None:
            return
        order = self._fixed_order if self._fixed_order is not None else self._sorted_visible()
        self.beginResetModel()
        self._set_order(order)
        self.endResetModel()

    # -- helpers -------------------------------------------------------------------------------

    def _sort_keys(self, column: Column) -> np.ndarray:
        if column.key in ("decision", "decided_by"):
            session = self._session
            if session is None:
                return np.zeros(len(self._dataset), dtype=np.int8)
            return session.final if column.key == "decision" else (session.manual != 0)
        if column.key == "score":
            return self.scores
        if column.key.startswith("score:"):
            return self._scorer_scores(column.key[6:])
        if column.key == "flags":
            return self._flag_counts(slice(None))
        if column.key in self._numbers:
            return self._numbers[column.key]
        if column.key not in self._text_keys:
            texts = self._dataset.prompts if column.key == "prompt" else self._dataset.responses
            # Case-insensitive on the first characters: enough to order a table, and a fixed
            # width array sorts in C instead of comparing Python strings.
            self._text_keys[column.key] = text_sort_keys(texts)
        return self._text_keys[column.key]

    def _inverse_of(self, order: np.ndarray) -> np.ndarray:
        """Source row -> view row over *every* source row, -1 where the row is hidden.

        Sized to the dataset, not to the visible rows (as Orange's ``AbstractSortTableModel``
        keeps it): a filtered order holds source rows up to the dataset's length.
        """
        inverse = np.full(self._source_rows, -1, dtype=np.int64)
        inverse[order] = np.arange(len(order), dtype=np.int64)
        return inverse

    def _set_order(self, order: np.ndarray) -> None:
        self._order = order.astype(np.int64, copy=False)
        self._inverse = self._inverse_of(self._order)

    def _apply_order(self, order: np.ndarray) -> None:
        """Show ``order`` as a re-arrangement of the same rows, moving persistent indexes.

        Everything that can fail is computed before ``layoutAboutToBeChanged``: an exception
        between it and ``layoutChanged`` leaves the view's selection pointing at other records.
        """
        order = order.astype(np.int64, copy=False)
        inverse = self._inverse_of(order)
        if len(order) != len(self._order) or np.any(inverse[self._order] < 0):
            self._reset_order()  # a different set of rows is not a layout change
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        moved = [self.index(int(inverse[self._order[p.row()]]), p.column()) for p in persistent]
        self._order, self._inverse = order, inverse
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()
