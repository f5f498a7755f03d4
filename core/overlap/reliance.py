"""Whether a rule may rely on the project's last overlap check, checked before anything is saved.

A rule that drops overlap at a level the check never looked at drops nothing there, and a check
against an edited or vanished reference proves nothing about the reference's new rows: either
way the curated file would look checked when it was not. ``curate`` asks this before it saves
its rule, and every export (the command line's and the app's) asks it before writing a file,
so a refused rule can never reach a curated file by another road.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import ThresherError
from core.overlap.result import OverlapResult
from core.overlap.staleness import reference_states, stale_reason


class OverlapRelianceError(ThresherError):
    """The rule drops overlap the project's last check cannot vouch for."""


def check_overlap_rule(file: str, levels: Sequence[str], checked: OverlapResult | None) -> None:
    """Refuse (one line) a rule dropping overlap at ``levels`` that ``checked`` cannot back."""
    if not levels:
        return
    rerun = f"main.py overlap {file} --against REF…"
    if checked is None:
        raise OverlapRelianceError(
            f"{file}: the rule drops overlap at {', '.join(levels)}, "
            f"but no overlap check was made: run {rerun} with those "
            "levels first"
        )
    missing = [level for level in levels if level not in checked.settings.levels()]
    if missing:
        found = "its last overlap check looked at " + ", ".join(checked.settings.levels())
        raise OverlapRelianceError(
            f"{file}: the rule drops overlap at {', '.join(missing)}, "
            f"but {found}: run {rerun} with those levels first"
        )
    stale = stale_reason(reference_states(checked.references))
    if stale:
        raise OverlapRelianceError(f"{file}: the rule drops overlap, but {stale} ({rerun})")
