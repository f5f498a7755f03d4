"""Reference files: loaded like any dataset, checked before minutes of matching begin.

A reference is identified by its path and SHA-256, so the project and the export manifest can
say exactly which version of which file the data was checked against. Bad lines in a reference
are reported and the rest is used; in the same spirit an empty reference (no bytes, or no usable
record) is reported in one line and skipped, and the others are used; only when every reference
is empty is the check refused. A reference that is the open file itself is refused with a
one-line reason instead of producing a meaningless result.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.dataset import Dataset
from core.dedup.progress import DedupProgress
from core.errors import LoadError, ThresherError
from core.loading import iter_load
from core.loading.detect import EMPTY_FILE
from core.overlap.config import OverlapConfig


class OverlapError(ThresherError):
    """A reference cannot be used (missing, empty, the open file itself…)."""


@dataclass(frozen=True)
class ReferenceInfo:
    """What a run knows of one reference: enough to name it, find it and prove its version."""

    path: str
    sha256: str
    records: int
    rejected: int
    first_rejected: str = ""

    @classmethod
    def of(cls, reference: Dataset) -> ReferenceInfo:
        """Describe a loaded reference."""
        first = ""
        if reference.bad_lines:
            bad = reference.bad_lines[0]
            first = f"{reference.location_kind} {bad.line}: {bad.reason}"
        return cls(
            str(reference.path),
            reference.source_sha256,
            len(reference),
            len(reference.bad_lines),
            first,
        )

    @property
    def name(self) -> str:
        """The file name, for tables and the status bar."""
        return Path(self.path).name

    def warning(self) -> str:
        """One line about the reference's unusable lines, or empty."""
        if not self.rejected:
            return ""
        return (
            f"{self.path}: {self.rejected:,} unusable line(s) skipped (first: "
            f"{self.first_rejected}); the other {self.records:,} records are used"
        )

    def to_dict(self) -> dict:
        """Plain data for the project, ``--json`` and the manifest."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "records": self.records,
            "rejected": self.rejected,
            "first_rejected": self.first_rejected,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ReferenceInfo:
        """What :meth:`to_dict` wrote."""
        return cls(
            str(data["path"]),
            str(data["sha256"]),
            int(data["records"]),
            int(data.get("rejected", 0)),
            str(data.get("first_rejected", "")),
        )


def empty_reason(reference: Dataset) -> str | None:
    """Why ``reference`` holds nothing to compare against (one line), or None when it holds some."""
    if len(reference):
        return None
    detail = (
        f" ({len(reference.bad_lines):,} unusable line(s), first: line "
        f"{reference.bad_lines[0].line}: {reference.bad_lines[0].reason})"
        if reference.bad_lines
        else ""
    )
    return f"{reference.path}: the reference holds no usable records{detail}"


def check_reference(reference: Dataset, dataset: Dataset, settings: OverlapConfig) -> None:
    """Refuse a reference that cannot give a meaningful answer, with a one-line reason."""
    path = reference.path
    empty = empty_reason(reference)
    if empty:
        raise OverlapError(f"{empty}; there is nothing to compare against")
    if reference.source_sha256 == dataset.source_sha256:
        raise OverlapError(
            f"{path}: this reference is the open file itself (same SHA-256), so "
            "every record would match; to find copies inside one file, look for "
            "duplicates instead"
        )
    if reference.prompt_only:
        on_response = [level for level in settings.levels() if settings.field(level) == "response"]
        if on_response:
            raise OverlapError(
                f"{path}: the reference has prompts only, so {on_response[0]} "
                "matching on responses has nothing to compare; compare on "
                "prompt or both"
            )


def load_references(
    paths: Sequence[str | Path],
    dataset: Dataset,
    settings: OverlapConfig,
    skipped: list[str] | None = None,
) -> Generator[DedupProgress, None, list[Dataset]]:
    """Load and check every reference (each path once), in order.

    An empty reference is left out, with a one-line reason appended to ``skipped`` (for the
    run's notes); when every reference is empty the check is refused.
    """
    seen: set[Path] = set()
    references = []
    empties = []
    for index, path in enumerate(paths):
        resolved = Path(path).resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        yield DedupProgress(f"loading reference {Path(path).name}", index, len(paths))
        try:
            reference = _load(path)
        except LoadError as exc:
            if exc.reason != EMPTY_FILE:
                raise
            empties.append(f"{path}: the reference is empty")
            continue
        empty = empty_reason(reference)
        if empty:
            empties.append(empty)
            continue
        check_reference(reference, dataset, settings)
        references.append(reference)
    if empties and not references:
        raise OverlapError(
            f"{empties[0]}"
            + (f" (and {len(empties) - 1} more empty reference(s))" if len(empties) > 1 else "")
            + "; there is nothing to compare against"
        )
    if skipped is not None:
        skipped.extend(f"{line}; skipped, the other reference(s) are used" for line in empties)
    return references


def _load(path: str | Path) -> Dataset:
    loader = iter_load(path)
    try:
        while True:
            next(loader)
    except StopIteration as done:
        return done.value
