"""A review session: one dataset's rule, manual decisions, undo history and saved view state.

Every change a curator makes goes through :meth:`ReviewSession.decide` (or :meth:`undo` /
:meth:`redo`), which commits it to the project store *before* returning: when the app shows a
decision as made, it is on disk, and killing the process cannot take it back. A bulk action is
one transaction and one undo step, preceded by a backup of the store. One undo history holds
every change a curator makes to what is exported: decisions, the rule (a whole cutoff drag is
one step, see :class:`core.review.history.RuleChange`) and the kept copy of a duplicate cluster.

The app and the command line drive the same class, so what ``main.py export`` writes is exactly
what the app showed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import orjson

from core.dataset import Dataset
from core.project.backup import back_up
from core.project.store import ProjectStore
from core.review.agreement import disagreement_order
from core.review.decisions import AUTO, DROP, KEEP, UNDECIDED, decision_keys
from core.review.filters import FilterInputs, RowFilter
from core.review.history import Change, KeptCopyChange, RuleChange, Step
from core.review.rule import Rule, RuleError
from core.review.score_columns import (
    HEURISTIC_KEY,
    PLAIN_KEY,
    ColumnError,
    ScoreColumn,
    default_name,
    resolve,
    restore_columns,
    save_layout,
    unique_name,
)
from core.unique import unique_sorted

#: Rows a change must touch to count as a bulk action (backed up first).
BULK_ROWS = 2
META_RULE = "review.rule"
META_FILTER = "review.filter"
META_POSITION = "review.position"
META_SORT = "review.sort"
META_SOURCE = "source.sha256"
META_SOURCE_SIZE = "source.size"
META_SOURCE_NAME = "source.name"


@dataclass(frozen=True)
class Summary:
    """Counts for the summary bar and ``--json``."""

    rows: int
    kept: int
    dropped: int
    undecided: int
    manual: int
    kept_tokens: int

    def to_dict(self) -> dict:
        """The ``--json`` form."""
        return {
            "records": self.rows,
            "kept": self.kept,
            "dropped": self.dropped,
            "undecided": self.undecided,
            "manual_overrides": self.manual,
            "kept_tokens": self.kept_tokens,
        }


@dataclass(frozen=True)
class Restored:
    """What re-opening a dataset brought back, for the "restored your session" notice."""

    decisions: int
    orphaned: int
    source_changed: bool
    rule: bool
    filter: bool
    position: bool

    @property
    def anything(self) -> bool:
        """Whether there was earlier work to restore."""
        return bool(self.decisions or self.orphaned or self.rule or self.filter or self.position)

    def describe(self) -> str:
        """The notice shown when a dataset is re-opened."""
        parts = []
        if self.decisions:
            parts.append(f"{self.decisions:,} decision{'s' if self.decisions != 1 else ''}")
        if self.rule:
            parts.append("the rule")
        if self.filter:
            parts.append("filters")
        if self.position:
            parts.append("your place")
        text = "Restored " + ", ".join(parts) + " from the project file." if parts else ""
        if self.source_changed:
            text += (
                " The file changed since it was last opened: decisions followed their "
                "records by content."
            )
        if self.orphaned:
            text += (
                f" {self.orphaned:,} decision{'s' if self.orphaned != 1 else ''} no longer "
                "match any record (the record was edited or removed) and were not applied."
            )
        return text.strip()


@dataclass
class ReviewSession:
    """The decisions over one dataset, backed by its project store."""

    dataset: Dataset
    store: ProjectStore
    rule: Rule = field(default_factory=Rule)
    restored: Restored | None = None

    def __post_init__(self) -> None:
        n = len(self.dataset)
        self.keys = decision_keys(self.dataset.fingerprints, self.dataset.occurrences)
        #: Score columns by scorer key, in display order (see core.review.score_columns).
        self.columns: dict[str, ScoreColumn] = {}
        self.removed_columns: set[str] = set()
        self.last_run: str | None = None  # the column "the score" means by default
        self._no_column = ScoreColumn.empty(PLAIN_KEY, "score", {}, n)
        self.flag_mask = np.zeros(n, dtype=np.uint8)
        self.duplicate = np.zeros(n, dtype=bool)
        self.overlap = np.zeros(n, dtype=np.uint8)  # a bit per overlap level matched
        self.manual = np.zeros(n, dtype=np.int8)
        self.reasons: dict[int, str] = {}
        self.rule_decision = np.zeros(n, dtype=np.int8)
        self.final = np.zeros(n, dtype=np.int8)
        #: Each row's approximate tokens, for the kept-token count (the dataset never changes).
        self._tokens = self.dataset.prompt_tokens.astype(np.int64) + self.dataset.response_tokens
        #: Rows per final decision code, manual overrides and kept tokens: recounted when the
        #: rule re-decides every row, updated by the changed rows only when a curator decides
        #: (a key press at 1M rows must not pass over every row).
        self._final_counts = np.zeros(max(KEEP, DROP, UNDECIDED) + 1, dtype=np.int64)
        self._manual_counts = np.zeros(max(AUTO, KEEP, DROP) + 1, dtype=np.int64)
        self._kept_tokens = 0
        self.preferred = np.zeros(n, dtype=bool)
        self.map_xy: np.ndarray | None = None  # the embedding map, for map filters
        self.map_topics: np.ndarray | None = None
        self.map_key = ""
        self._undo: list[Step] = []
        self._redo: list[Step] = []
        self.restored = self._restore()
        self.refresh()

    # -- opening -------------------------------------------------------------------------------

    def _restore(self) -> Restored:
        columns, self.removed_columns, self.last_run = restore_columns(
            self.store, len(self.dataset)
        )
        self.columns = {c.key: c for c in columns}
        saved = self.store.decisions()
        row_of = self.keys.rows_of(saved)
        orphaned = 0
        for key, (decision, reason) in saved.items():
            row = row_of.get(key)
            if row is None:
                orphaned += 1
                continue
            self.manual[row] = decision
            if reason:
                self.reasons[row] = reason
        chosen = self.store.kept_copies()
        if chosen:
            row_of = self.keys.rows_of(chosen)
            for key in chosen:
                if key in row_of:
                    self.preferred[row_of[key]] = True
        rule_raw = self.store.get_meta(META_RULE)
        if rule_raw is not None:
            try:
                self.rule = Rule.from_dict(orjson.loads(rule_raw))
            except (orjson.JSONDecodeError, RuleError, TypeError):
                rule_raw = None
        old_sha = self.store.get_meta(META_SOURCE)
        changed = old_sha is not None and old_sha != self.dataset.source_sha256
        if old_sha != self.dataset.source_sha256:
            with self.store.transaction() as db:
                for meta_key, value in (
                    (META_SOURCE, self.dataset.source_sha256),
                    (META_SOURCE_SIZE, str(self.dataset.source_size)),
                    (META_SOURCE_NAME, self.dataset.path.name),
                ):
                    db.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (meta_key, value)
                    )
        return Restored(
            decisions=len(saved) - orphaned,
            orphaned=orphaned,
            source_changed=changed,
            rule=rule_raw is not None,
            filter=(saved_filter := self.saved_filter()) is not None and saved_filter.active,
            position=self.saved_position() is not None,
        )

    # -- score columns -------------------------------------------------------------------------

    @property
    def score_key(self) -> str | None:
        """The column "the score" is: the one the rule names, else the last-run scorer's."""
        return self.rule.scorer or self.last_run

    def column(self, key: str | None = None) -> ScoreColumn:
        """The column ``key`` (default :attr:`score_key`); an empty one when there is none."""
        key = key or self.score_key
        return self.columns.get(key, self._no_column) if key else self._no_column

    @property
    def scores(self) -> np.ndarray:
        """The default column's scores (what one-score views read); NaN: not scored."""
        return self.column().scores

    @property
    def truncated(self) -> np.ndarray:
        """Whether the default column's scorer cut each row short."""
        return self.column().truncated

    @property
    def unscorable(self) -> np.ndarray:
        """Whether the default column's scorer could not score each row."""
        return self.column().unscorable

    def column_scores(self) -> dict[str, np.ndarray]:
        """Every column's scores by key (what a rule over several scorers reads)."""
        return {key: c.scores for key, c in self.columns.items()}

    def column_names(self) -> dict[str, str]:
        """Column key -> display name."""
        return {key: c.name for key, c in self.columns.items()}

    def resolve_scorer(self, name: str) -> str:
        """The key of the column ``name`` means (see :func:`core.review.score_columns.resolve`)."""
        return resolve(name, list(self.columns.values()))

    def describe_rule(self, rule: Rule | None = None) -> str:
        """The rule in words, scorers by their column names."""
        return (rule or self.rule).describe(self.column_names())

    def add_column(self, key: str, description: dict | None = None) -> ScoreColumn:
        """The column of scorer ``key``, created (with a readable unique name) if new."""
        column = self.columns.get(key)
        if column is None:
            self.removed_columns.discard(key)
            name = unique_name(
                default_name(key, description), {c.name for c in self.columns.values()}, description
            )
            column = ScoreColumn.empty(key, name, dict(description or {}), len(self.dataset))
            self.columns[key] = column
            self._save_columns()
        return column

    def rename_column(self, key: str, name: str) -> None:
        """Give a column a new display name (saved at once); names stay unique."""
        name = name.strip()
        column = self._existing(key)
        if not name:
            raise ColumnError("a score column needs a name")
        if any(c.name == name for k, c in self.columns.items() if k != key):
            raise ColumnError(f"another score column is already called {name!r}")
        column.name = name
        self._save_columns()

    def set_column_hidden(self, key: str, hidden: bool) -> None:
        """Show or hide a column in the table (saved at once; the rule still reads it)."""
        self._existing(key).hidden = hidden
        self._save_columns()

    def move_column(self, key: str, position: int) -> None:
        """Put a column at ``position`` in the display order (saved at once)."""
        column = self._existing(key)
        order = [c for k, c in self.columns.items() if k != key]
        order.insert(max(0, min(position, len(order))), column)
        self.columns = {c.key: c for c in order}
        self._save_columns()

    def remove_column(self, key: str, forget_cache: bool = False) -> None:
        """Forget a column (its cached scores stay unless ``forget_cache``).

        Refused while the rule reads it: the rule would silently stop judging by it.
        """
        column = self._existing(key)
        if key in self.rule.scorers() or (
            key == self.score_key and self.rule.uses_scores and not self.rule.rank_weights
        ):
            raise ColumnError(f"the rule reads {column.name}: change the rule first")
        del self.columns[key]
        self.removed_columns.add(key)
        if self.last_run == key:
            self.last_run = next(reversed(self.columns), None)
        if forget_cache:
            self.store.forget_scorer(key)
        self._save_columns()
        self.refresh()

    def _existing(self, key: str) -> ScoreColumn:
        column = self.columns.get(key)
        if column is None:
            raise ColumnError(f"no score column {key!r}")
        return column

    def _save_columns(self) -> None:
        save_layout(self.store, list(self.columns.values()), self.removed_columns)

    # -- inputs from scoring, heuristics and duplicates ----------------------------------------

    def set_scores(
        self,
        rows: np.ndarray | slice,
        scores: np.ndarray,
        truncated: np.ndarray | None = None,
        unscorable: np.ndarray | None = None,
        key: str | None = None,
        description: dict | None = None,
        last_run: bool = False,
    ) -> None:
        """Take scores for some rows (a streamed batch, or all of them) into a column.

        ``key``: the scorer's column (created when new); without it, the default column (or
        one plain column when there is none). ``last_run``: this run's scorer becomes what
        "the score" means (a fresh run does; restoring a cached column does not).
        """
        key = key or self.score_key or PLAIN_KEY
        before = self.score_key
        column = self.add_column(key, description)
        if last_run or self.last_run is None:
            self.last_run = key
        column.scores[rows] = scores
        if truncated is not None:
            column.truncated[rows] = truncated
        if unscorable is not None:
            column.unscorable[rows] = unscorable
        # A column the rule does not read changes no decision: the learned scorer publishes
        # every row after each retrain, and re-deciding 1M rows each time stalled the window.
        if key in (before, self.score_key) or key in self.rule.scorers():
            self.refresh()

    def clear_scores(self, key: str | None = None) -> None:
        """Forget a column's scores (default: the default column's)."""
        column = self.column(key)
        column.scores[:] = np.nan
        column.truncated[:] = False
        column.unscorable[:] = False
        self.refresh()

    def set_flags(
        self,
        rows: np.ndarray | slice,
        flag_mask: np.ndarray,
        heuristic_scores: np.ndarray | None = None,
    ) -> None:
        """Take heuristic flag masks for some rows, and their heuristic scores.

        The scores fill the heuristic column when the project has one (it is recomputed on
        every open, never cached).
        """
        self.flag_mask[rows] = flag_mask
        heuristic = self.columns.get(HEURISTIC_KEY)
        if heuristic is not None and heuristic_scores is not None:
            heuristic.scores[rows] = heuristic_scores
            self.refresh()
        elif self.rule.drop_flags:
            self.refresh()

    def set_duplicates(self, duplicate: np.ndarray) -> None:
        """Take the rows that are duplicates and not the kept copy of their cluster."""
        self.duplicate = np.asarray(duplicate, dtype=bool).copy()
        self.refresh()

    def set_overlap(self, level_bits: np.ndarray) -> None:
        """Take the overlap levels each row matched (see :meth:`OverlapResult.level_bits`)."""
        self.overlap = np.asarray(level_bits, dtype=np.uint8).copy()
        self.refresh()

    def set_map(self, xy: np.ndarray | None, topics: np.ndarray | None, key: str) -> None:
        """Take the embedding map (points, topics, settings key) that map filters read."""
        self.map_xy, self.map_topics, self.map_key = xy, topics, key

    # -- the rule ------------------------------------------------------------------------------

    def set_rule(self, rule: Rule, merge_key: str | None = None) -> RuleChange | None:
        """Change the automatic rule (saved at once) and re-decide every automatic row.

        Returns the undo step (None when the rule is unchanged). Changes sharing a
        ``merge_key`` with the newest step (one drag of a cutoff line) extend that step; a
        gesture that ends where it began leaves no step.
        """
        last = self._undo[-1] if self._undo else None
        merged = (
            last
            if merge_key is not None
            and isinstance(last, RuleChange)
            and last.merge_key == merge_key
            and not self._redo
            else None
        )
        merging = merged is not None
        if not merging and rule == self.rule:
            return None
        before = merged.before if merged is not None else self.rule
        self._save_rule(rule)
        if merging:
            self._undo.pop()
            if rule == before:
                return None
        step = RuleChange(f"rule change ({self.describe_rule(rule)})", before, rule, merge_key)
        self._undo.append(step)
        self._redo.clear()
        return step

    def _save_rule(self, rule: Rule) -> None:
        self.store.set_meta(META_RULE, orjson.dumps(rule.to_dict()).decode())
        self.rule = rule
        self.refresh()

    # -- kept copies of duplicate clusters -----------------------------------------------------

    def choose_kept(self, row: int, members: np.ndarray) -> KeptCopyChange | None:
        """Make ``row`` the kept copy of its cluster ``members`` (saved at once, undoable)."""
        members = unique_sorted(np.asarray(members, dtype=np.int64))
        before = tuple(int(r) for r in members[self.preferred[members]])
        if before == (int(row),):
            return None
        step = KeptCopyChange(
            f"keep line {int(self.dataset.locations[row]):,} of its cluster",
            members,
            before,
            (int(row),),
        )
        self._save_kept(step.members, step.after)
        self._undo.append(step)
        self._redo.clear()
        return step

    def _save_kept(self, members: np.ndarray, chosen: tuple[int, ...]) -> None:
        self.store.set_kept_copies(
            [self.keys[r] for r in chosen],
            [self.keys[int(r)] for r in members if int(r) not in chosen],
        )
        self.preferred[members] = False
        self.preferred[list(chosen)] = True

    def refresh(self) -> None:
        """Recompute the rule's decisions and the final ones."""
        self.rule_decision = self.rule.decide(
            self.scores, self.flag_mask, self.duplicate, self.overlap, self.column_scores()
        )
        self.final = np.where(self.manual != AUTO, self.manual, self.rule_decision).astype(np.int8)
        self._recount()

    def _recount(self) -> None:
        """Count every row again (the rule changed, so any row's final decision may have)."""
        self._final_counts = np.bincount(self.final, minlength=len(self._final_counts))
        self._manual_counts = np.bincount(self.manual, minlength=len(self._manual_counts))
        self._kept_tokens = int(self._tokens[self.final == KEEP].sum())

    def _count_rows(self, rows: np.ndarray, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) ``rows``' share of the counts (rows distinct)."""
        final = self.final[rows]
        self._final_counts += sign * np.bincount(final, minlength=len(self._final_counts))
        self._manual_counts += sign * np.bincount(
            self.manual[rows], minlength=len(self._manual_counts)
        )
        self._kept_tokens += sign * int(self._tokens[rows[final == KEEP]].sum())

    # -- deciding ------------------------------------------------------------------------------

    def decide(
        self, rows: npt.ArrayLike, decision: int, reason: str = "", label: str = ""
    ) -> Change | None:
        """Set the manual decision of ``rows`` (AUTO clears it), committed before returning.

        Returns the undo step, or None when nothing changed. A change of :data:`BULK_ROWS` rows
        or more is backed up first and committed as one transaction.
        """
        picked = unique_sorted(np.asarray(rows, dtype=np.int64))
        if decision not in (AUTO, KEEP, DROP):
            raise ValueError(f"unknown decision {decision}")
        reason = "" if decision == AUTO else reason.strip()
        before = self.manual[picked].copy()
        before_reasons = tuple(self.reasons.get(int(r), "") for r in picked)
        changed = (before != decision) | np.array([b != reason for b in before_reasons], dtype=bool)
        picked, before = picked[changed], before[changed]
        before_reasons = tuple(r for r, c in zip(before_reasons, changed, strict=True) if c)
        if not len(picked):
            return None
        after = np.full(len(picked), decision, dtype=np.int8)
        change = Change(
            label or _label(decision, len(picked)),
            picked,
            before,
            before_reasons,
            after,
            (reason,) * len(picked),
        )
        self._commit(
            change.rows,
            change.after,
            change.after_reasons,
            bulk=len(picked) >= BULK_ROWS,
            label=change.label,
        )
        self._undo.append(change)
        self._redo.clear()
        return change

    def undo(self) -> Step | None:
        """Take back the last change (committed before returning)."""
        return self._replay(self._undo, self._redo, forward=False)

    def redo(self) -> Step | None:
        """Re-apply the last undone change."""
        return self._replay(self._redo, self._undo, forward=True)

    def _replay(self, source: list[Step], target: list[Step], forward: bool) -> Step | None:
        """Move the newest change of ``source`` to ``target``, committing its new state."""
        if not source:
            return None
        change = source[-1]
        if isinstance(change, RuleChange):
            self._save_rule(change.after if forward else change.before)
        elif isinstance(change, KeptCopyChange):
            self._save_kept(change.members, change.after if forward else change.before)
        else:
            decisions, reasons = (
                (change.after, change.after_reasons)
                if forward
                else (change.before, change.before_reasons)
            )
            self._commit(
                change.rows,
                decisions,
                reasons,
                bulk=len(change.rows) >= BULK_ROWS,
                label="redo" if forward else "undo",
            )
        target.append(source.pop())  # only once committed: a failure leaves both stacks
        return change

    @property
    def can_undo(self) -> bool:
        """Whether there is a change to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is a change to redo."""
        return bool(self._redo)

    def next_undo(self) -> Step | None:
        """The change Undo would take back (its label and size), if any."""
        return self._undo[-1] if self._undo else None

    def next_redo(self) -> Step | None:
        """The change Redo would re-apply, if any."""
        return self._redo[-1] if self._redo else None

    def undo_label(self) -> str:
        """What Undo would take back."""
        change = self.next_undo()
        return change.label if change else ""

    def redo_label(self) -> str:
        """What Redo would re-apply."""
        change = self.next_redo()
        return change.label if change else ""

    def _commit(
        self,
        rows: np.ndarray,
        decisions: np.ndarray,
        reasons: tuple[str, ...],
        bulk: bool,
        label: str,
    ) -> None:
        if bulk:
            back_up(self.store, f"before-{label}")
        self.store.put_decisions(
            [
                (self.keys[int(r)], int(d), reason)
                for r, d, reason in zip(rows, decisions, reasons, strict=True)
            ]
        )
        # Only now, with the change on disk, does memory (and so the screen) show it.
        self._count_rows(rows, -1)
        self.manual[rows] = decisions
        for row, reason in zip(rows.tolist(), reasons, strict=True):
            if reason:
                self.reasons[row] = reason
            else:
                self.reasons.pop(row, None)
        self.final[rows] = np.where(decisions != AUTO, decisions, self.rule_decision[rows])
        self._count_rows(rows, 1)

    # -- reading -------------------------------------------------------------------------------

    def decided_by(self, row: int) -> str:
        """``curator`` for a manual decision, ``rule`` otherwise."""
        return "curator" if self.manual[row] != AUTO else "rule"

    def kept_rows(self) -> np.ndarray:
        """Source rows finally kept, in file order."""
        return np.flatnonzero(self.final == KEEP)

    def dropped_rows(self) -> np.ndarray:
        """Source rows finally dropped, in file order."""
        return np.flatnonzero(self.final == DROP)

    def summary(self) -> Summary:
        """Kept / dropped / undecided counts and the kept rows' approximate tokens.

        Read from counts kept up to date as rows change (O(1)): the summary bar asks after
        every key press.
        """
        counts = self._final_counts
        return Summary(
            rows=len(self.final),
            kept=int(counts[KEEP]),
            dropped=int(counts[DROP]),
            undecided=int(counts[UNDECIDED]),
            manual=int(self._manual_counts[KEEP] + self._manual_counts[DROP]),
            kept_tokens=self._kept_tokens,
        )

    def manual_counts(self) -> tuple[int, int]:
        """How many rows the curator kept and dropped by hand (kept up to date, O(1))."""
        return int(self._manual_counts[KEEP]), int(self._manual_counts[DROP])

    def filter_inputs(self) -> FilterInputs:
        """The arrays a :class:`RowFilter` looks at."""
        return FilterInputs(
            self.scores,
            self.final,
            self.manual,
            self.duplicate,
            self.flag_mask,
            self.truncated,
            self.unscorable,
            self.dataset.prompts,
            self.dataset.responses,
            overlap=self.overlap,
            map_xy=self.map_xy,
            map_topics=self.map_topics,
            map_key=self.map_key,
            columns=self.column_scores(),
        )

    def criterion_scores(self) -> np.ndarray:
        """What the rule's main criterion reads: the default column, or the rank average."""
        return self.rule.criterion_scores(self.scores, self.column_scores())

    def borderline_rows(self) -> np.ndarray:
        """The review queue: automatic rows nearest the rule's cutoff, then undecided ones.

        A curator's time is best spent where the rule is least sure; rows already decided by
        hand are left out, and so are rows the rule decided for other reasons (flags, dups).
        """
        automatic = self.manual == AUTO
        scores = self.criterion_scores()
        cutoff = self.rule.cutoff(scores)
        scored = automatic & ~np.isnan(scores)
        queue = []
        if not np.isnan(cutoff):
            rows = np.flatnonzero(scored & ~self.duplicate)
            queue.append(rows[np.argsort(np.abs(scores[rows] - cutoff), kind="stable")])
        queue.append(np.flatnonzero(automatic & self.duplicate))
        queue.append(np.flatnonzero(automatic & (self.final == UNDECIDED) & ~self.duplicate))
        rows = np.concatenate(queue) if queue else np.zeros(0, dtype=np.int64)
        _, first = np.unique(rows, return_index=True)
        return rows[np.sort(first)]

    def disagreement_rows(self, a: str, b: str) -> np.ndarray:
        """The disagreement queue: automatic rows two scorers rank furthest apart.

        Walked like :meth:`borderline_rows`: rows already decided by hand are left out.
        """
        return disagreement_order(
            self._existing(a).scores, self._existing(b).scores, self.manual == AUTO
        )

    # -- view state ----------------------------------------------------------------------------

    def save_filter(self, row_filter: RowFilter) -> None:
        """Remember the table's filter for the next time the dataset is opened."""
        self.store.set_meta(META_FILTER, orjson.dumps(row_filter.to_dict()).decode())

    def saved_filter(self) -> RowFilter | None:
        """The filter saved by :meth:`save_filter`, if any and still valid."""
        raw = self.store.get_meta(META_FILTER)
        if raw is None:
            return None
        try:
            return RowFilter.from_dict(orjson.loads(raw))
        except (orjson.JSONDecodeError, ValueError, TypeError):
            return None

    def save_position(self, row: int) -> None:
        """Remember the current row by its key, so an edited file still finds it."""
        fingerprint, occurrence = self.keys[row]
        self.store.set_meta(META_POSITION, f"{fingerprint.hex()}:{occurrence}")

    def saved_position(self) -> int | None:
        """The row saved by :meth:`save_position`, if it is still in the file."""
        raw = self.store.get_meta(META_POSITION)
        if not raw or ":" not in raw:
            return None
        digest, _, occurrence = raw.partition(":")
        try:
            key = (bytes.fromhex(digest), int(occurrence))
        except ValueError:
            return None
        return self.keys.rows_of([key]).get(key)

    def save_sort(self, column: str, descending: bool) -> None:
        """Remember the table's sort column and direction."""
        self.store.set_meta(META_SORT, orjson.dumps([column, descending]).decode())

    def saved_sort(self) -> tuple[str, bool] | None:
        """The sort saved by :meth:`save_sort`, if any."""
        raw = self.store.get_meta(META_SORT)
        try:
            column, descending = orjson.loads(raw) if raw else (None, None)
        except (orjson.JSONDecodeError, ValueError):
            return None
        return (column, bool(descending)) if isinstance(column, str) else None


def _label(decision: int, rows: int) -> str:
    verbs: dict[int, str] = {KEEP: "keep", DROP: "drop", AUTO: "automatic"}
    verb = verbs[decision]
    return f"{verb} {rows:,} row{'s' if rows != 1 else ''}"
