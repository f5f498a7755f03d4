"""The project store: a SQLite file (WAL, ``synchronous=FULL``) keyed by record fingerprint.

Why SQLite: committed transactions survive a killed process, and power loss with
``synchronous=FULL``; one file is easy to back up with the backup API. Python's ``sqlite3``
opens transactions implicitly and a forgotten ``commit()`` loses everything since the last one,
so the connection runs in autocommit mode and every write is an explicit
``BEGIN IMMEDIATE … COMMIT`` (:meth:`ProjectStore.transaction`).

A connection belongs to the thread that opened it: a worker thread opens its own
:class:`ProjectStore` on the same file; WAL lets it write while another thread reads.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson

from core.errors import ThresherError

SCHEMA_VERSION = 3
#: Scorer keys with this prefix are a replacement being written, or an old scorer being
#: deleted (see :meth:`ProjectStore.replace_scores`): never listed, removed by the next one.
HIDDEN_SCORER = "~"
_STAGING = HIDDEN_SCORER + "staging:"
_RETIRED = HIDDEN_SCORER + "retired:"
#: Rows per transaction when a whole scorer's cache is replaced or deleted in the background:
#: short enough that a decision committed meanwhile on the GUI thread barely waits.
CHUNK_ROWS = 2_000
#: Transactions of this process now waiting for SQLite's write lock. A background replacement
#: lets them go first between its chunks: SQLite's busy handler polls, so a waiting writer
#: otherwise loses the lock to back-to-back chunks for the whole replacement (measured: a
#: decision waited 4 s behind 100k rows written in 10k-row transactions).
_waiting = 0
_waiting_lock = threading.Lock()
#: The longest a background replacement pauses for waiting writers before a chunk.
YIELD_LIMIT_S = 2.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scorers (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scores (
    scorer      INTEGER NOT NULL REFERENCES scorers(id),
    fingerprint BLOB NOT NULL,
    score       REAL,
    flags       INTEGER NOT NULL,
    PRIMARY KEY (scorer, fingerprint)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS decisions (
    fingerprint BLOB NOT NULL,
    occurrence  INTEGER NOT NULL,
    decision    INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    decided_at  REAL NOT NULL,
    PRIMARY KEY (fingerprint, occurrence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS duplicate_runs (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    source_sha256 TEXT NOT NULL,
    settings      TEXT NOT NULL,
    created_at    REAL NOT NULL,
    payload       BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS maps (
    settings      TEXT PRIMARY KEY,
    source_sha256 TEXT NOT NULL,
    meta          TEXT NOT NULL,
    created_at    REAL NOT NULL,
    payload       BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS kept_copies (
    fingerprint BLOB NOT NULL,
    occurrence  INTEGER NOT NULL,
    chosen_at   REAL NOT NULL,
    PRIMARY KEY (fingerprint, occurrence)
) WITHOUT ROWID;
"""

#: A decision's key: the record's fingerprint and which copy of it (0 for the first). Identical
#: records share a fingerprint, and a curator may keep one copy and drop another.
DecisionKey = tuple[bytes, int]

#: ``scores.flags`` bits.
FLAG_TRUNCATED = 1
FLAG_UNSCORABLE = 2


class StoreError(ThresherError):
    """The project file cannot be opened or written."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        super().__init__(f"project file {path}: {reason}")


class ProjectStore:
    """One dataset's project file. Open one per thread; close it when done.

    ``handed_over=True`` lets the connection move between threads (the app hands it to a
    worker for a bulk action while its own thread leaves the store alone); it must never be
    used by two threads at once.
    """

    def __init__(self, path: str | Path, handed_over: bool = False):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, isolation_level=None, timeout=10.0, check_same_thread=not handed_over
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(self.path, f"made by a newer Thresher (schema {version})")
            self.upgraded_from = version if 0 < version < SCHEMA_VERSION else None
            if self.upgraded_from is not None:
                from core.project.backup import back_up  # backup imports this module

                back_up(self, f"before-schema-{SCHEMA_VERSION}")
            self._db.executescript(
                f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version={SCHEMA_VERSION};COMMIT;"
            )
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.path, str(exc)) from exc

    def close(self) -> None:
        """Close the connection (committed work is already on disk)."""
        self._db.close()

    def __enter__(self) -> ProjectStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE … COMMIT``, rolled back if the block raises."""
        global _waiting
        with _waiting_lock:
            _waiting += 1
        try:
            self._db.execute("BEGIN IMMEDIATE")
        finally:
            with _waiting_lock:
                _waiting -= 1
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except BaseException:
            # A COMMIT that fails (busy, disk full) leaves the transaction open, and every later
            # BEGIN on this connection would then fail too: the change was not made, so say so
            # once and leave the connection ready for the next one.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    # -- metadata ------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A stored setting or fact about the project."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting or fact, committed before returning."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- score cache ---------------------------------------------------------------------------

    def scorer_id(self, key: str, description: dict) -> int:
        """The id of the scorer identified by ``key``, registering it on first use."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO scorers (key, description) VALUES (?, ?)",
                (key, orjson.dumps(description).decode()),
            )
            return db.execute("SELECT id FROM scorers WHERE key = ?", (key,)).fetchone()[0]

    def scorer_description(self, scorer: int) -> dict | None:
        """What :meth:`scorer_id` registered for ``scorer`` (model, revision, weights …)."""
        row = self._db.execute("SELECT description FROM scorers WHERE id = ?", (scorer,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def scorer_list(self) -> list[tuple[int, str, dict]]:
        """Every registered scorer as ``(id, key, description)``, oldest first."""
        return [
            (sid, key, orjson.loads(desc))
            for sid, key, desc in self._db.execute(
                "SELECT id, key, description FROM scorers ORDER BY id"
            )
            if not key.startswith(HIDDEN_SCORER)
        ]

    def replace_scores(
        self,
        key: str,
        description: dict,
        rows: list[tuple[bytes, float | None]],
        meta: dict[str, str],
        id_meta: str | None = None,
        retire: tuple[int, ...] = (),
    ) -> int:
        """Make ``rows`` (fingerprint, score) scorer ``key``'s whole cache; returns its new id.

        For a worker replacing a large cache (the learned scorer: every row, every retrain):
        one transaction over 1M rows held the write lock for seconds, and a decision committed
        on the GUI thread meanwhile waited for all of it. The rows are written under a staging
        key in :data:`CHUNK_ROWS`-row transactions; one short transaction then swaps the keys
        (rows follow their scorer id) and writes ``meta`` (and the new id as ``id_meta``, when
        given); the old rows (and the scorers in
        ``retire``) are deleted in chunks afterwards. A crash leaves the old scorer or the new
        one, never a mix; what an interrupted replacement left is never listed and is removed
        by the next one.
        """
        self._purge_hidden()
        text = orjson.dumps(description).decode()
        with self.transaction() as db:
            db.execute("DELETE FROM scorers WHERE key = ?", (_STAGING + key,))  # purged: empty
            db.execute(
                "INSERT INTO scorers (key, description) VALUES (?, ?)", (_STAGING + key, text)
            )
            scorer = db.execute("SELECT id FROM scorers WHERE key = ?", (_STAGING + key,))
            scorer = scorer.fetchone()[0]
        for start in range(0, len(rows), CHUNK_ROWS):
            _let_waiting_writers_go()
            with self.transaction() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO scores (scorer, fingerprint, score, flags) "
                    "VALUES (?, ?, ?, 0)",
                    [(scorer, fp, score) for fp, score in rows[start : start + CHUNK_ROWS]],
                )
        with self.transaction() as db:
            old = db.execute("SELECT id FROM scorers WHERE key = ?", (key,)).fetchone()
            for sid in {*(int(r) for r in retire), *([old[0]] if old else [])} - {scorer}:
                db.execute(
                    "UPDATE scorers SET key = ? WHERE id = ?", (f"{_RETIRED}{sid}:{key}", sid)
                )
            db.execute(
                "UPDATE scorers SET key = ?, description = ? WHERE id = ?", (key, text, scorer)
            )
            written = {**meta, **({id_meta: str(scorer)} if id_meta else {})}
            for name, value in written.items():
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, value))
        self._purge_hidden()
        return scorer

    def _purge_hidden(self) -> None:
        """Delete staged or retired scorers and their rows, :data:`CHUNK_ROWS` at a time."""
        hidden = self._db.execute(
            "SELECT id FROM scorers WHERE substr(key, 1, 1) = ?", (HIDDEN_SCORER,)
        ).fetchall()
        for (sid,) in hidden:
            while True:
                _let_waiting_writers_go()
                with self.transaction() as db:
                    deleted = db.execute(
                        "DELETE FROM scores WHERE scorer = ? AND fingerprint IN "
                        "(SELECT fingerprint FROM scores WHERE scorer = ? LIMIT ?)",
                        (sid, sid, CHUNK_ROWS),
                    ).rowcount
                if deleted <= 0:
                    break
            with self.transaction() as db:
                tables = {
                    name
                    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                if "judge_details" in tables:
                    db.execute("DELETE FROM judge_details WHERE scorer = ?", (sid,))
                db.execute("DELETE FROM scores WHERE scorer = ?", (sid,))
                db.execute("DELETE FROM scorers WHERE id = ?", (sid,))

    def forget_scorer(self, key: str) -> None:
        """Delete a scorer's cached results and its registration (one transaction)."""
        with self.transaction() as db:
            tables = {
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            for table in ("scores", "judge_details"):  # every table keyed by scorer id
                if table in tables:
                    db.execute(
                        f"DELETE FROM {table} WHERE scorer IN "
                        "(SELECT id FROM scorers WHERE key = ?)",
                        (key,),
                    )
            db.execute("DELETE FROM scorers WHERE key = ?", (key,))

    def cached_scores(
        self, scorer: int, fingerprints: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cached results for ``fingerprints``: (found mask, scores, flags), aligned with it."""
        cached = {
            bytes(fp): (score, flags)
            for fp, score, flags in self._db.execute(
                "SELECT fingerprint, score, flags FROM scores WHERE scorer = ?", (scorer,)
            )
        }
        n = len(fingerprints)
        found = np.zeros(n, dtype=bool)
        scores = np.full(n, np.nan, dtype=np.float32)
        flags = np.zeros(n, dtype=np.uint8)
        if cached:
            for row, fp in enumerate(fingerprints.tolist()):
                hit = cached.get(fp)
                if hit is not None:
                    found[row] = True
                    scores[row] = np.nan if hit[0] is None else hit[0]
                    flags[row] = hit[1]
        return found, scores, flags

    def put_scores(
        self, scorer: int, fingerprints: list[bytes], scores: list[float | None], flags: list[int]
    ) -> None:
        """Record one batch of results in a single committed transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO scores (scorer, fingerprint, score, flags) "
                "VALUES (?, ?, ?, ?)",
                [(scorer, fp, s, f) for fp, s, f in zip(fingerprints, scores, flags, strict=True)],
            )

    # -- decisions -----------------------------------------------------------------------------

    def decisions(self) -> dict[DecisionKey, tuple[int, str]]:
        """Every manual decision: ``(fingerprint, occurrence) -> (decision, reason)``."""
        return {
            (bytes(fp), occ): (decision, reason)
            for fp, occ, decision, reason in self._db.execute(
                "SELECT fingerprint, occurrence, decision, reason FROM decisions"
            )
        }

    def put_decisions(self, changes: list[tuple[DecisionKey, int, str]]) -> None:
        """Commit ``(key, decision, reason)`` changes in one transaction; decision 0 clears.

        One transaction however many rows change: after a crash either all of a bulk action is
        on disk or none of it.
        """
        now = time.time()
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM decisions WHERE fingerprint = ? AND occurrence = ?",
                [key for key, decision, _ in changes if not decision],
            )
            db.executemany(
                "INSERT OR REPLACE INTO decisions (fingerprint, occurrence, decision, reason, "
                "decided_at) VALUES (?, ?, ?, ?, ?)",
                [
                    (fp, occ, decision, reason, now)
                    for (fp, occ), decision, reason in changes
                    if decision
                ],
            )

    # -- duplicates ----------------------------------------------------------------------------

    def duplicate_run(self) -> tuple[str, dict, bytes] | None:
        """The last duplicate run: ``(source_sha256, settings, payload)``, or None."""
        row = self._db.execute(
            "SELECT source_sha256, settings, payload FROM duplicate_runs WHERE id = 1"
        ).fetchone()
        return None if row is None else (row[0], orjson.loads(row[1]), bytes(row[2]))

    def put_duplicate_run(self, source_sha256: str, settings: dict, payload: bytes) -> None:
        """Replace the saved duplicate run (one per project: the latest)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO duplicate_runs (id, source_sha256, settings, "
                "created_at, payload) VALUES (1, ?, ?, ?, ?)",
                (source_sha256, orjson.dumps(settings).decode(), time.time(), payload),
            )

    def put_duplicate_settings(self, settings: dict) -> None:
        """New thresholds or budget for the saved run (its edges stay)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE duplicate_runs SET settings = ? WHERE id = 1",
                (orjson.dumps(settings).decode(),),
            )

    def kept_copies(self) -> set[DecisionKey]:
        """Copies a curator chose to keep in their duplicate cluster."""
        return {
            (bytes(fp), occ)
            for fp, occ in self._db.execute("SELECT fingerprint, occurrence FROM kept_copies")
        }

    def choose_kept_copy(self, chosen: DecisionKey | None, cleared: list[DecisionKey]) -> None:
        """Record ``chosen`` as its cluster's kept copy and forget the choices in ``cleared``."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM kept_copies WHERE fingerprint = ? AND occurrence = ?", cleared
            )
            if chosen is not None:
                db.execute(
                    "INSERT OR REPLACE INTO kept_copies (fingerprint, occurrence, "
                    "chosen_at) VALUES (?, ?, ?)",
                    (*chosen, time.time()),
                )

    def set_kept_copies(self, chosen: list[DecisionKey], cleared: list[DecisionKey]) -> None:
        """Forget the choices in ``cleared`` and record ``chosen``, in one transaction."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM kept_copies WHERE fingerprint = ? AND occurrence = ?", cleared
            )
            now = time.time()
            db.executemany(
                "INSERT OR REPLACE INTO kept_copies (fingerprint, occurrence, "
                "chosen_at) VALUES (?, ?, ?)",
                [(*key, now) for key in chosen],
            )

    # -- embedding maps ------------------------------------------------------------------------

    def saved_map(self, settings: str | None = None) -> tuple[str, str, str, bytes] | None:
        """A saved map ``(settings, source_sha256, meta, payload)``: for ``settings``, or newest."""
        query = (
            "SELECT settings, source_sha256, meta, payload FROM maps "
            + ("WHERE settings = ?" if settings is not None else "")
            + " ORDER BY created_at DESC LIMIT 1"
        )
        row = self._db.execute(query, (settings,) if settings is not None else ()).fetchone()
        return None if row is None else (row[0], row[1], row[2], bytes(row[3]))

    def put_map(self, settings: str, source_sha256: str, meta: str, payload: bytes) -> None:
        """Save a map for ``settings``; maps of another version of the file are dropped."""
        with self.transaction() as db:
            db.execute("DELETE FROM maps WHERE source_sha256 != ?", (source_sha256,))
            db.execute(
                "INSERT OR REPLACE INTO maps (settings, source_sha256, meta, created_at, "
                "payload) VALUES (?, ?, ?, ?, ?)",
                (settings, source_sha256, meta, time.time(), payload),
            )

    def backup_to(self, target: Path) -> None:
        """Copy the live database to ``target`` with SQLite's online backup API, in one step.

        Never a file copy: copying a database file while it is written (or without its WAL)
        produces a corrupt copy. One step, not several: a multi-step backup restarts whenever
        another connection writes between steps, so a busy writer (a bulk action on a worker)
        could starve it forever. In WAL mode one step reads a single consistent snapshot
        without blocking writers.
        """
        with sqlite3.connect(target) as copy:
            self._db.backup(copy, pages=-1)
        copy.close()

    def restore_from(self, source: sqlite3.Connection) -> None:
        """Overwrite this database with ``source``'s, in one step (see :meth:`backup_to`)."""
        source.backup(self._db, pages=-1)

    def integrity_check(self) -> str:
        """``ok``, or SQLite's description of the damage."""
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def pragma(self, name: str) -> object:
        """The value of a PRAGMA (for tests and diagnostics)."""
        return self._db.execute(f"PRAGMA {name}").fetchone()[0]


def _let_waiting_writers_go() -> None:
    """Pause (up to :data:`YIELD_LIMIT_S`) while another transaction waits for the write lock."""
    deadline = time.monotonic() + YIELD_LIMIT_S
    while _waiting and time.monotonic() < deadline:
        time.sleep(0.002)
