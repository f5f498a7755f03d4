"""Backups use SQLite's backup API, are consistent under writes, and are thinned sensibly."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta

from core.project import ProjectStore
from core.project.backup import KEEP_RECENT, back_up, backups_to_keep, list_backups


def test_thinning_keeps_recent_daily_weekly_and_monthly_copies():
    now = datetime(2026, 6, 30, 12)
    taken = [now - timedelta(hours=6 * i) for i in range(4 * 365)][::-1]  # 4 a day, 1 year
    keep = backups_to_keep(taken, now)
    kept = sorted(taken[i] for i in keep)
    assert taken[-KEEP_RECENT:] == kept[-KEEP_RECENT:]
    assert len(keep) < KEEP_RECENT + 7 + 4 + 6
    assert {t.date() for t in kept} >= {(now - timedelta(days=d)).date() for d in range(7)}
    assert min(kept) < now - timedelta(days=140)  # monthly copies reach back 5 months


def test_a_backup_taken_while_another_thread_writes_is_consistent(tmp_path, monkeypatch):
    monkeypatch.setenv("THRESHER_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "p.thresher"
    ProjectStore(path).close()
    stop = threading.Event()

    def writer():
        with ProjectStore(path) as store:
            i = 0
            while not stop.is_set():
                store.put_decisions([((i.to_bytes(16, "big"), 0), 1, "x" * 200)])
                i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with ProjectStore(path) as store:
            for _ in range(5):
                back_up(store, "test")
    finally:
        stop.set()
        thread.join()
    for backup in list_backups(path):
        with sqlite3.connect(backup.path) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("SELECT count(*) FROM decisions").fetchone()[0] >= 0


def test_the_store_runs_with_wal_and_full_sync(tmp_path):
    with ProjectStore(tmp_path / "p.thresher") as store:
        assert store.pragma("journal_mode") == "wal"
        assert store.pragma("synchronous") == 2


def test_restoring_a_backup_brings_its_decisions_back_and_backs_up_the_present_first(
    sample_copy, open_session
):
    from core.project.backup import describe, restore_backup
    from core.review import DROP, KEEP

    session = open_session(sample_copy)
    session.decide(range(10), DROP)  # backed up first: no decisions
    session.decide([20, 21], KEEP)  # backed up first: ten drops
    backups = list_backups(session.store.path)
    assert [b.reason for b in backups] == ["before-drop-10-rows", "before-keep-2-rows"]
    assert describe(backups[1]).endswith("·  before keep 2 rows")
    restore_backup(session.store, backups[1].path)
    reopened = open_session(sample_copy)
    assert sorted(reopened.store.decisions().values()) == [(DROP, "")] * 10
    assert list_backups(session.store.path)[-1].reason == "before-restore"
    restore_backup(session.store, list_backups(session.store.path)[-1].path)  # undo it
    assert len(open_session(sample_copy).store.decisions()) == 12


def test_a_damaged_backup_is_refused_and_the_project_is_untouched(
    sample_copy, open_session, tmp_path
):
    import pytest

    from core.project.backup import RestoreError, restore_backup
    from core.review import DROP

    session = open_session(sample_copy)
    session.decide([1], DROP)
    damaged = tmp_path / "damaged.thresher"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(RestoreError, match=r"damaged\.thresher"):
        restore_backup(session.store, damaged)
    assert len(open_session(sample_copy).store.decisions()) == 1
