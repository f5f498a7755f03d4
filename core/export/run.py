"""One export: the curated records, optionally the dropped ones and a sidecar, and a manifest.

:func:`iter_export` is a generator (progress fractions, then the :class:`ExportResult`) so the
app can run it on a worker thread; :func:`export_session` runs it to the end. Every file is
written atomically and verified; if any step fails, the files already in place stay as they
were and the error says which file and why.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import orjson

from core.atomic import AtomicGroup
from core.errors import ThresherError
from core.export.manifest import build_manifest, write_manifest
from core.export.records import VerificationError, write_jsonl
from core.export.sidecar import write_sidecar
from core.generators import run_to_end
from core.loading.freshness import check_unchanged
from core.originals import Originals
from core.overlap.reliance import check_overlap_rule
from core.overlap.storage import load_overlap
from core.project.store import ProjectStore
from core.review.decisions import NAMES
from core.review.session import ReviewSession

T = TypeVar("T")

#: Fields added to each record by ``annotate``; prefixed so they never clash with a dataset's.
ANNOTATION_FIELDS = ("thresher_score", "thresher_decision", "thresher_decided_by")


class ExportError(ThresherError):
    """An export failed; the files it would have replaced are untouched."""


class ExportCancelled(ExportError):
    """An export was stopped before it replaced any file."""


@dataclass(frozen=True)
class ExportOptions:
    """What to write. ``None`` paths are skipped; the manifest defaults to beside the output."""

    output: Path
    dropped: Path | None = None
    sidecar: Path | None = None
    manifest: Path | None = None
    write_manifest: bool = True
    annotate: bool = False

    @property
    def manifest_path(self) -> Path:
        """``curated.jsonl`` -> ``curated.manifest.json`` unless given."""
        if self.manifest is not None:
            return self.manifest
        return self.output.with_name(self.output.name.removesuffix(".jsonl") + ".manifest.json")


@dataclass
class ExportResult:
    """What an export wrote, for the status bar and ``--json``."""

    kept: int
    dropped: int
    undecided: int
    manual_overrides: int
    output: str
    output_sha256: str
    files: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The ``--json`` form."""
        return {
            "kept": self.kept,
            "dropped": self.dropped,
            "undecided": self.undecided,
            "manual_overrides": self.manual_overrides,
            "output": self.output,
            "output_sha256": self.output_sha256,
            "files": self.files,
        }


def export_session(
    session: ReviewSession, options: ExportOptions, scorer: dict | None = None
) -> ExportResult:
    """Run :func:`iter_export` to completion."""
    return run_to_end(iter_export(session, options, scorer))


def iter_export(
    session: ReviewSession,
    options: ExportOptions,
    scorer: dict | None = None,
    stop_requested: Callable[[], bool] | None = None,
) -> Generator[float, None, ExportResult]:
    """Write the export described by ``options``; yields progress in [0, 1].

    ``stop_requested`` is asked once, after the checks and before the first file is replaced:
    an export stops there (:class:`ExportCancelled`) or runs to the end, never in between.
    """
    check_outputs(options, session.dataset.path, session.store.path)
    check_unchanged(session.dataset)  # never export a stale copy under the file's name
    # The export reads the project through a connection of its own: in the app it runs on a
    # worker while the GUI thread keeps writing through the session's (the place, backups),
    # and one connection used by two threads at once broke the GUI's next transaction
    # ("cannot start a transaction within a transaction", found by the soak).
    with ProjectStore(session.store.path) as project:
        return (yield from _export(session, options, scorer, stop_requested, project))


def _export(
    session: ReviewSession,
    options: ExportOptions,
    scorer: dict | None,
    stop_requested: Callable[[], bool] | None,
    project: ProjectStore,
) -> Generator[float, None, ExportResult]:
    _check_overlap(session, project)
    yield 0.0
    if stop_requested is not None and stop_requested():
        raise ExportCancelled("the export was cancelled before any file was written")
    kept = session.kept_rows()
    dropped = session.dropped_rows()
    summary = session.summary()
    total = len(kept) + (len(dropped) if options.dropped else 0)
    files: dict[str, dict] = {}
    done = 0
    targets = [("curated", options.output, kept)]
    if options.dropped is not None:
        targets.append(("dropped", options.dropped, dropped))
    # Every output is written and verified beside its target first; none replaces its target
    # until all are ready, and a failure (or a closed generator) removes them all.
    group = AtomicGroup()
    try:
        for name, path, rows in targets:
            lines = _lines(session, rows, options.annotate)
            count = len(rows)
            sha = _guard(path, partial(write_jsonl, path, lines, count, group.write))
            files[name] = {"path": str(path), "sha256": sha, "records": count}
            done += len(rows)
            yield done / max(1, total) * 0.9
        sidecar = options.sidecar
        if sidecar is not None:
            sha = _guard(sidecar, lambda: write_sidecar(sidecar, session, group.write))
            files["sidecar"] = {
                "path": str(sidecar),
                "sha256": sha,
                "records": len(session.dataset),
            }
            yield 0.95
        if options.write_manifest:
            manifest_path = options.manifest_path
            manifest = build_manifest(session, files, scorer, project)
            _guard(manifest_path, lambda: write_manifest(manifest_path, manifest, group.write))
            files["manifest"] = {"path": str(manifest_path)}
    except BaseException:  # a failed write, or the job closed at a yield
        group.discard()
        raise
    try:
        group.commit()
    except OSError as exc:  # a rename: every file was written and verified above
        target = exc.filename2 or exc.filename or options.output
        raise ExportError(
            f"{target}: could not replace it ({_reason(exc)}). Outputs listed before it in "
            "the export were replaced; the others are untouched."
        ) from exc
    yield 1.0
    return ExportResult(
        kept=summary.kept,
        dropped=summary.dropped,
        undecided=summary.undecided,
        manual_overrides=summary.manual,
        output=str(options.output),
        output_sha256=files["curated"]["sha256"],
        files=files,
    )


def _check_overlap(session: ReviewSession, project: ProjectStore) -> None:
    """Refuse a rule dropping overlap that the project's last check cannot vouch for."""
    levels = session.rule.drop_overlap
    if levels:
        dataset = session.dataset
        checked = load_overlap(project, dataset.source_sha256, len(dataset))
        check_overlap_rule(str(dataset.path), levels, checked)


def _lines(session: ReviewSession, rows: np.ndarray, annotate: bool) -> Iterator[bytes]:
    originals = session.dataset.originals
    if not annotate:
        if isinstance(originals, Originals):  # one conversion of the rows, not one per record
            return originals.take(rows)
        return (originals[row] for row in rows.tolist())
    return (_annotated(session, row) for row in rows.tolist())


def _annotated(session: ReviewSession, row: int) -> bytes:
    record = orjson.loads(session.dataset.originals[row])
    clash = next((f for f in ANNOTATION_FIELDS if f in record), None)
    if clash is not None:
        location = f"{session.dataset.location_kind} {int(session.dataset.locations[row])}"
        raise ExportError(
            f"{session.dataset.path}, {location}: the record already has a "
            f"{clash!r} field; export without score fields"
        )
    score = float(session.scores[row])
    record["thresher_score"] = None if np.isnan(score) else round(score, 6)
    record["thresher_decision"] = NAMES[int(session.final[row])]
    record["thresher_decided_by"] = session.decided_by(row)
    return orjson.dumps(record)


def check_outputs(options: ExportOptions, source: Path, project: Path) -> None:
    """Refuse, before anything is written, outputs that would overwrite each other or inputs.

    Two outputs naming one file would leave only the last written there (the curated records
    replaced by the dropped ones, say) while the report described both; an output on the
    source or the project would destroy what the export reads. Every problem is one line.
    """
    problems = []
    seen: dict[Path, str] = {}
    for name, path in _outputs(options):
        where = _identity(path)
        if _same(where, source):
            problems.append(
                f"{path}: the {name} would overwrite the source dataset; choose another file name"
            )
        elif _same(where, project):
            problems.append(
                f"{path}: the {name} would overwrite the project file; choose another file name"
            )
        elif where in seen:
            problems.append(
                f"{path}: the {name} and the {seen[where]} are the same file; "
                "give each output its own name"
            )
        elif not where.parent.is_dir():
            folder = Path(path).parent
            problems.append(
                f"{path}: {folder} is a file, not a folder"
                if folder.exists()
                else f"{path}: the folder {folder} does not exist"
            )
        seen.setdefault(where, name)
    if problems:
        raise ExportError("\n".join(problems))


def _outputs(options: ExportOptions) -> list[tuple[str, Path]]:
    named = [
        ("curated output", options.output),
        ("dropped output", options.dropped),
        ("sidecar", options.sidecar),
        ("manifest", options.manifest_path if options.write_manifest else None),
    ]
    return [(name, Path(path)) for name, path in named if path is not None]


def _identity(path: Path) -> Path:
    return Path(os.path.normcase(Path(path).resolve()))


def _same(where: Path, other: Path) -> bool:
    """Whether ``where`` is ``other``: the same path, or (both existing) the same file."""
    other = Path(other)
    if where == _identity(other):
        return True
    try:
        return where.exists() and other.exists() and os.path.samefile(where, other)
    except OSError:
        return False


def _guard(path: Path, write: Callable[[], T]) -> T:
    """Run one file's write, turning I/O and verification failures into :class:`ExportError`."""
    try:
        return write()
    except VerificationError as exc:
        raise ExportError(f"{exc}. {_UNTOUCHED}") from exc
    except OSError as exc:
        raise ExportError(f"{path}: could not write ({_reason(exc)}). {_UNTOUCHED}") from exc


#: What a failed write leaves: the export's files replace their targets together or not at all.
_UNTOUCHED = "No output was replaced; the files already there are untouched."


def _reason(exc: OSError) -> str:
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EACCES: "permission denied",
        errno.EROFS: "the folder is read-only",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))
