"""Whether the project's last overlap check is still about the reference files on disk.

A check proves something only about the exact reference versions it read: an evaluation set
edited afterwards (prompts added, a file replaced) may leak rows the check never saw. The
project remembers each reference's path and SHA-256, so anything that relies on the check
(``curate --drop-overlap``, ``overlap --status``, the export manifest, the app's Overlap dock)
hashes the files again and says plainly when one changed or vanished.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.overlap.references import ReferenceInfo

CURRENT, CHANGED, MISSING = "unchanged", "changed", "missing"
_READ_BYTES = 1 << 20


@dataclass(frozen=True)
class ReferenceState:
    """One reference of a saved check and whether the file on disk is still that version."""

    info: ReferenceInfo
    state: str  # CURRENT, CHANGED or MISSING
    detail: str = ""  # why a file counts as missing (unreadable, not found)

    @property
    def current(self) -> bool:
        """The file on disk hashes as it did when the check read it."""
        return self.state == CURRENT

    def describe(self) -> str:
        """A few words for a list: "koala.jsonl changed since the check"."""
        if self.state == CHANGED:
            return f"{self.info.path} changed since the check (its SHA-256 differs)"
        if self.state == MISSING:
            return f"{self.info.path} is {self.detail or 'missing'}"
        return f"{self.info.path} is unchanged"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of the bytes on disk, as a dataset's ``source_sha256`` is taken."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_READ_BYTES):
            digest.update(block)
    return digest.hexdigest()


def reference_states(references: Sequence[ReferenceInfo]) -> list[ReferenceState]:
    """Hash every reference again and compare with the SHA-256 the check recorded."""
    states = []
    for info in references:
        try:
            sha = file_sha256(info.path)
        except FileNotFoundError:
            states.append(ReferenceState(info, MISSING, "missing (moved or deleted)"))
            continue
        except OSError as exc:
            states.append(ReferenceState(info, MISSING, f"unreadable ({exc.strerror or exc})"))
            continue
        states.append(ReferenceState(info, CURRENT if sha == info.sha256 else CHANGED))
    return states


def stale_reason(states: Sequence[ReferenceState]) -> str | None:
    """One line saying the check is stale and why, or None when every reference is current."""
    stale = [state.describe() for state in states if not state.current]
    if not stale:
        return None
    return "the last overlap check is stale: " + "; ".join(stale) + "; re-run the check"
