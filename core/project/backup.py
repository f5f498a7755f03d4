"""Rolling backups of a project file, taken with SQLite's backup API and thinned like Anki's.

A backup is taken before every bulk action and schema upgrade, and by the app every half hour
while decisions change. Copies pile up, so they are thinned: the most recent ones are all kept,
then one per day for a week, one per week for a month and one per month for half a year.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ThresherError
from core.project.paths import data_dir

if TYPE_CHECKING:
    from core.project.store import ProjectStore

#: How many of the newest backups are always kept, whatever their age.
KEEP_RECENT = 10
KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_MONTHLY = 6
_STAMP = "%Y%m%d-%H%M%S-%f"
_NAME = re.compile(r"^(\d{8}-\d{6}-\d{6})-([a-z0-9-]+)\.thresher$")


@dataclass(frozen=True)
class Backup:
    """One backup file and when it was taken."""

    path: Path
    taken: datetime
    reason: str


def backup_folder(project: Path) -> Path:
    """Where the backups of ``project`` live: the per-user data folder, not the dataset's."""
    project = Path(project).resolve()
    digest = hashlib.blake2b(str(project).encode("utf-8"), digest_size=6).hexdigest()
    return data_dir() / "backups" / f"{project.stem}-{digest}"


def list_backups(project: Path) -> list[Backup]:
    """The backups of ``project``, oldest first."""
    folder = backup_folder(project)
    found = []
    for path in folder.glob("*.thresher") if folder.is_dir() else ():
        match = _NAME.match(path.name)
        if match:
            found.append(Backup(path, datetime.strptime(match[1], _STAMP), match[2]))
    return sorted(found, key=lambda b: b.taken)


def back_up(store: ProjectStore, reason: str, now: datetime | None = None) -> Backup:
    """Copy ``store`` into its backup folder now, then thin the folder."""
    now = now or datetime.now()
    folder = backup_folder(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "backup"
    target = folder / f"{now.strftime(_STAMP)}-{slug}.thresher"
    store.backup_to(target)
    thin_backups(store.path, now)
    return Backup(target, now, slug)


class RestoreError(ThresherError):
    """A backup cannot be restored (unreadable or damaged); the project was not touched."""


def describe(backup: Backup) -> str:
    """How the File > Restore from Backup list names ``backup``: when, and why it was taken."""
    reason = backup.reason.replace("-", " ")
    return f"{backup.taken:%Y-%m-%d %H:%M:%S}  ·  {reason}"


def restore_backup(store: ProjectStore, backup: Path) -> Backup:
    """Replace ``store``'s contents with ``backup``'s; returns the backup of what it replaced.

    The current state is backed up first (reason ``before-restore``), so a restore is itself
    undoable by restoring that copy. The backup is checked before anything is touched, and it
    is copied in with SQLite's backup API into the live connection (one step, one consistent
    write), never by replacing the file under open connections.
    """
    try:
        # Read into memory first: backing up the current state thins the folder, which may
        # delete the very backup being restored.
        with contextlib.closing(sqlite3.connect(":memory:")) as copy:
            with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source:
                check = source.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    raise RestoreError(f"backup {backup}: damaged ({check}); nothing was restored")
                source.backup(copy)
            saved = back_up(store, "before-restore")
            store.restore_from(copy)
    except sqlite3.Error as exc:
        raise RestoreError(
            f"backup {backup}: cannot be read ({exc}); nothing was restored"
        ) from exc
    return saved


def thin_backups(project: Path, now: datetime | None = None) -> list[Path]:
    """Delete the backups the retention policy no longer needs; return what was deleted."""
    backups = list_backups(project)
    keep = backups_to_keep([b.taken for b in backups], now or datetime.now())
    removed = []
    for i, backup in enumerate(backups):
        if i not in keep:
            with contextlib.suppress(FileNotFoundError):
                backup.path.unlink()
            removed.append(backup.path)
    return removed


def backups_to_keep(taken: list[datetime], now: datetime) -> set[int]:
    """Indexes (into ``taken``, oldest first) of the backups the policy keeps.

    The newest :data:`KEEP_RECENT` always; then, going back in time, the newest backup of each
    of the last :data:`KEEP_DAILY` days, :data:`KEEP_WEEKLY` weeks and :data:`KEEP_MONTHLY`
    months.
    """
    order = sorted(range(len(taken)), key=lambda i: taken[i], reverse=True)
    keep = set(order[:KEEP_RECENT])
    buckets = (
        (KEEP_DAILY, lambda t: (now.date() - t.date()).days),
        (KEEP_WEEKLY, lambda t: (now.date() - t.date()).days // 7),
        (KEEP_MONTHLY, lambda t: (now.year - t.year) * 12 + now.month - t.month),
    )
    for count, bucket_of in buckets:
        seen: set[int] = set()
        for i in order:
            bucket = bucket_of(taken[i])
            if 0 <= bucket < count and bucket not in seen:
                seen.add(bucket)
                keep.add(i)
    return keep


def due(last: datetime | None, now: datetime, every: timedelta = timedelta(minutes=30)) -> bool:
    """Whether a periodic backup is due (none yet, or the last is ``every`` old)."""
    return last is None or now - last >= every
