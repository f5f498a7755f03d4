"""A scorer's whole cache replaced in short transactions: the old one or the new one, never a mix.

The learned scorer rewrites every row's score on each retrain; done as one transaction at 1M
rows it held the write lock for seconds while the curator's decisions waited for it.
"""

from __future__ import annotations

import sqlite3

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.project import ProjectStore
from core.project import store as store_module

_META = "test.scorer"


def _split(n: int, seed: int) -> list[bytes]:
    raw = np.random.default_rng(seed).bytes(16 * n)
    return [raw[i * 16 : (i + 1) * 16] for i in range(n)]


def _rows_of(store: ProjectStore, scorer: int) -> dict[bytes, float]:
    return {
        bytes(fp): score
        for fp, score in store._db.execute(
            "SELECT fingerprint, score FROM scores WHERE scorer = ?", (scorer,)
        )
    }


def _all_score_rows(store: ProjectStore) -> int:
    return store._db.execute("SELECT count(*) FROM scores").fetchone()[0]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=4), st.integers(1, 7))
def test_each_replacement_leaves_exactly_the_newest_rows(tmp_path_factory, sizes, chunk):
    store_module.CHUNK_ROWS, saved_chunk = chunk, store_module.CHUNK_ROWS
    try:
        with ProjectStore(tmp_path_factory.mktemp("p") / "p.thresher") as store:
            for seed, n in enumerate(sizes):
                rows = list(zip(_split(n, seed), [float(i) for i in range(n)], strict=True))
                scorer = store.replace_scores("learned", {"n": n}, rows, {}, id_meta=_META)
                assert store.get_meta(_META) == str(scorer)
                assert _rows_of(store, scorer) == dict(rows)
                assert _all_score_rows(store) == n  # the older rows are gone
                listed = [(key, desc) for _, key, desc in store.scorer_list()]
                assert listed == [("learned", {"n": n})]
    finally:
        store_module.CHUNK_ROWS = saved_chunk


def test_an_interrupted_replacement_is_never_listed_and_is_cleared_next_time(tmp_path):
    path = tmp_path / "p.thresher"
    with ProjectStore(path) as store:
        old_rows = list(zip(_split(5, 1), [0.5] * 5, strict=True))
        old = store.replace_scores("learned", {"run": 1}, old_rows, {}, id_meta=_META)
        # What a crash between two chunks leaves: a staged scorer with some of its rows.
        with store.transaction() as db:
            db.execute(
                "INSERT INTO scorers (key, description) VALUES (?, ?)",
                ("~staging:learned", '{"run": 2}'),
            )
            staged = db.execute("SELECT id FROM scorers WHERE key = '~staging:learned'")
            staged = staged.fetchone()[0]
            db.executemany(
                "INSERT INTO scores (scorer, fingerprint, score, flags) VALUES (?, ?, 0.9, 0)",
                [(staged, fp) for fp in _split(3, 2)],
            )
    with ProjectStore(path) as store:  # reopened after the crash: the old scorer, whole
        assert [key for _, key, _ in store.scorer_list()] == ["learned"]
        assert store.get_meta(_META) == str(old)
        assert _rows_of(store, old) == dict(old_rows)
        new_rows = list(zip(_split(4, 3), [0.1] * 4, strict=True))
        new = store.replace_scores("learned", {"run": 3}, new_rows, {}, id_meta=_META)
        assert _rows_of(store, new) == dict(new_rows)
        assert _all_score_rows(store) == 4
        ids = [sid for (sid,) in store._db.execute("SELECT id FROM scorers")]
        assert ids == [new]


def test_a_writer_on_another_connection_is_not_locked_out(tmp_path):
    """Between chunks the write lock is free: another connection commits mid-replacement."""
    path = tmp_path / "p.thresher"
    store_module.CHUNK_ROWS, saved_chunk = 2, store_module.CHUNK_ROWS
    committed = []
    original = store_module._let_waiting_writers_go

    def between_chunks() -> None:
        other = sqlite3.connect(path, isolation_level=None, timeout=0)  # no waiting at all
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('between', 'yes')")
        other.execute("COMMIT")
        other.close()
        committed.append(True)
        original()

    store_module._let_waiting_writers_go = between_chunks
    try:
        with ProjectStore(path) as store:
            rows = list(zip(_split(7, 4), [1.0] * 7, strict=True))
            store.replace_scores("learned", {}, rows, {}, id_meta=_META)
            assert store.get_meta("between") == "yes"
    finally:
        store_module._let_waiting_writers_go = original
        store_module.CHUNK_ROWS = saved_chunk
    assert len(committed) >= 4  # one chance per chunk of rows
