"""Score columns: one per scorer run on a dataset, keyed by the scorer's cache key.

Every scoring run (a reward model, a judge preset, the heuristic score, or any other scorer that
caches under its own key in the project's ``scorers``/``scores`` tables) is a column. The
scores themselves live in the score cache; the project's ``meta`` table keeps only what the
curator changed about the columns: their display names, order, hidden state and which ones
were removed. So a scorer run from the command line becomes a column in the app without any
extra step, and a removed column comes back when its scorer is run again.

The heuristic score is recomputed rather than cached, so its column's key is the literal
:data:`HEURISTIC_KEY` and its scores are filled in when the heuristic signals are computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
import orjson

from core.errors import ThresherError
from core.project.store import ProjectStore
from core.scoring.heuristics import SCORER_DESCRIPTION
from core.scoring.run import (
    HEURISTIC_SCORER,
    META_HEURISTIC_RUN,
    META_LAST_SCORER,
    restore_scores,
)

if TYPE_CHECKING:
    from core.review.rule import Rule
    from core.review.session import ReviewSession

#: The heuristic score's column key (its scores are recomputed, never cached).
HEURISTIC_KEY = HEURISTIC_SCORER
#: The key of the one column of scores set without a scorer (tests, old callers).
PLAIN_KEY = "score"
META_COLUMNS = "scoring.columns"


class ColumnError(ThresherError):
    """A score column cannot be found, named or removed as asked."""


@dataclass
class ScoreColumn:
    """One scorer's scores over the dataset's rows (NaN: not scored)."""

    key: str
    name: str
    description: dict
    scores: np.ndarray
    truncated: np.ndarray
    unscorable: np.ndarray
    hidden: bool = False
    reasons: dict[int, str] = field(default_factory=dict)

    @classmethod
    def empty(
        cls, key: str, name: str, description: dict, rows: int, hidden: bool = False
    ) -> ScoreColumn:
        """A column with no scores yet."""
        return cls(
            key,
            name,
            description,
            np.full(rows, np.nan, dtype=np.float32),
            np.zeros(rows, dtype=bool),
            np.zeros(rows, dtype=bool),
            hidden,
        )

    @property
    def scored(self) -> int:
        """How many rows have a score."""
        return int((~np.isnan(self.scores)).sum())


def default_name(key: str, description: dict | None) -> str:
    """A readable column name: ``heuristic``, ``reward:<model>``, ``judge:<preset>``."""
    description = description or {}
    if key == HEURISTIC_KEY or description.get("model") == SCORER_DESCRIPTION["model"]:
        return "heuristic"
    if key == PLAIN_KEY:
        return "score"
    model = PurePosixPath(str(description.get("model") or key[:8]).replace("\\", "/")).name
    model = model.removesuffix(".gguf")
    if description.get("kind") == "learned":
        return "learned"
    if description.get("kind") == "judge":
        prompt = description.get("prompt") or {}
        preset = PurePosixPath(str(prompt.get("name") or "custom")).stem
        return f"judge:{preset}"
    if description.get("kind"):
        return f"{description['kind']}:{model}"
    return f"reward:{model}"


def unique_name(name: str, taken: set[str], description: dict | None) -> str:
    """``name``, or with the model (then a number) appended when another column has it."""
    if name not in taken:
        return name
    model = PurePosixPath(str((description or {}).get("model") or "")).name.removesuffix(".gguf")
    candidate = f"{name}@{model}" if model else name
    number = 2
    while candidate in taken:
        candidate = f"{name}#{number}"
        number += 1
    return candidate


def saved_layout(store: ProjectStore) -> tuple[list[dict], set[str]]:
    """The saved columns (``key``, ``name``, ``hidden``) in order, and the removed keys."""
    raw = store.get_meta(META_COLUMNS)
    try:
        data = orjson.loads(raw) if raw else {}
        columns = [c for c in data.get("columns", []) if isinstance(c.get("key"), str)]
        return columns, {str(k) for k in data.get("removed", [])}
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return [], set()


def save_layout(store: ProjectStore, columns: list[ScoreColumn], removed: set[str]) -> None:
    """Remember the columns' names, order, hidden state and the removed keys."""
    store.set_meta(
        META_COLUMNS,
        orjson.dumps(
            {
                "columns": [{"key": c.key, "name": c.name, "hidden": c.hidden} for c in columns],
                "removed": sorted(removed),
            }
        ).decode(),
    )


def last_run_key(store: ProjectStore, registered: dict[int, str]) -> str | None:
    """The key of the scorer the last run used (what "the score" means by default)."""
    raw = store.get_meta(META_LAST_SCORER)
    if raw == HEURISTIC_SCORER:
        return HEURISTIC_KEY
    if raw is not None and raw.isdigit():
        return registered.get(int(raw))
    return None


def restore_columns(
    store: ProjectStore, rows: int
) -> tuple[list[ScoreColumn], set[str], str | None]:
    """The project's columns (empty: scores are read later), removed keys and last-run key.

    Columns are the saved ones still known, then every other registered scorer not removed,
    in the order they were first run; the heuristic column exists once the heuristics scored.
    """
    saved, removed = saved_layout(store)
    registered = {sid: (key, description) for sid, key, description in store.scorer_list()}
    by_key = {key: description for key, description in registered.values()}
    by_key[HEURISTIC_KEY] = dict(SCORER_DESCRIPTION)
    last = last_run_key(store, {sid: key for sid, (key, _) in registered.items()})
    columns: list[ScoreColumn] = []
    seen: set[str] = set()
    for entry in saved:
        key = entry["key"]
        if key in seen or key not in by_key:  # a plain or forgotten column has no scores
            continue
        seen.add(key)
        name = str(entry.get("name") or default_name(key, by_key.get(key)))
        columns.append(
            ScoreColumn.empty(key, name, by_key.get(key, {}), rows, bool(entry.get("hidden")))
        )
    extra = [key for key, _ in registered.values()]
    if last == HEURISTIC_KEY or store.get_meta(META_HEURISTIC_RUN):
        extra.append(HEURISTIC_KEY)
    for key in extra:
        if key in seen or key in removed:
            continue
        seen.add(key)
        taken = {c.name for c in columns}
        name = unique_name(default_name(key, by_key[key]), taken, by_key[key])
        columns.append(ScoreColumn.empty(key, name, by_key[key], rows))
    return columns, removed, last


def resolve(name: str, columns: list[ScoreColumn]) -> str:
    """The key of the column ``name`` means: its exact name, its key, or a unique prefix.

    ``reward`` finds ``reward:Skywork-…`` when it is the only reward column. Anything else is
    a one-line error naming the scorer and the columns there are.
    """
    wanted = name.strip()
    for column in columns:
        if wanted in (column.name, column.key):
            return column.key
    matches = [
        c for c in columns if c.name.startswith(wanted + ":") or c.name.startswith(wanted + "@")
    ]
    if len(matches) == 1:
        return matches[0].key
    there = ", ".join(c.name for c in columns) or "none yet"
    if matches:
        raise ColumnError(
            f"scorer {wanted!r} is ambiguous: it could be " + ", ".join(c.name for c in matches)
        )
    raise ColumnError(f"unknown scorer {wanted!r} (this project's score columns: {there})")


def fill_cached_columns(session: ReviewSession) -> int:
    """Read every cached column's scores into ``session`` (the command line's restore).

    Returns how many columns had cached scores for this file. The app does the same on its
    scoring thread, one update per column.
    """
    updates = restore_scores(session.dataset, session.store, list(session.columns))
    for update in updates:
        batch = update.batch
        session.set_scores(
            batch.rows,
            batch.scores,
            batch.truncated,
            batch.unscorable,
            key=update.key,
            description=update.description,
        )
    return len(updates)


def check_named_columns(file: str, session: ReviewSession, rule: Rule | None = None) -> None:
    """Refuse a rule (``rule``, else the session's) naming a scorer with no scores for this file.

    Such a rule would decide nothing. ``curate`` passes its new rule to check it before saving.
    """
    for key in (rule or session.rule).scorers():
        column = session.column(key)
        if not key or column.scored == 0:
            name = column.name if key else "the score"
            raise ColumnError(
                f"{file}: {name} has no scores for this file: score it first "
                f"(main.py score {file} --model …, or --judge …)"
            )


def columns_summary(session: ReviewSession) -> list[dict]:
    """Each column's name, key, scorer and how many rows it scored (``--json``, manifests)."""
    return [
        {
            "name": c.name,
            "key": c.key,
            "scorer": c.description,
            "hidden": c.hidden,
            "scored": c.scored,
        }
        for c in session.columns.values()
    ]
