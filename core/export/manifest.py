"""The export manifest: what was curated from what, by which model and rule, and the counts.

Enough to reproduce or audit a curated file: the source's and each output's SHA-256, the
scorer's provenance (model, revision, weight hashes, dtype, max length), the rule, the counts,
the lines that could not be used, and the app version and time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import orjson

from core.atomic import Replace, atomic_write
from core.overlap.storage import overlap_manifest
from core.project.store import ProjectStore
from core.review.session import ReviewSession
from core.version import APP_NAME, APP_VERSION

#: Bad-line numbers listed in a manifest; the count is always complete.
MAX_LISTED_BAD_LINES = 10_000


def build_manifest(
    session: ReviewSession,
    outputs: dict[str, dict],
    scorer: dict | None,
    store: ProjectStore | None = None,
) -> dict:
    """The manifest of an export whose files are described by ``outputs``."""
    dataset = session.dataset
    summary = session.summary()
    shown = session.columns.get(session.score_key or "")
    if scorer is not None and shown is not None and shown.description:  # what the rule reads
        scorer = shown.description
    return {
        "app": APP_NAME,
        "app_version": APP_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": {
            "path": str(dataset.path),
            "sha256": dataset.source_sha256,
            "size": dataset.source_size,
            "format": dataset.format,
            "schema": dataset.schema,
            "records": len(dataset),
            "rejected": len(dataset.bad_lines),
            f"rejected_{dataset.location_kind}s": [
                b.line for b in dataset.bad_lines[:MAX_LISTED_BAD_LINES]
            ],
        },
        "project": str(session.store.path),
        "scorer": scorer,
        # One entry per score column (sidecar column ``score:<name>``): its scorer's
        # provenance, so every score an export carries is recorded.
        "score_columns": [
            {
                "name": c.name,
                "key": c.key,
                "scorer": c.description,
                "hidden": c.hidden,
                "scored": c.scored,
            }
            for c in session.columns.values()
        ],
        "rule": session.rule.to_dict(),
        "rule_text": session.describe_rule(),
        "counts": summary.to_dict(),
        "overlap": overlap_manifest(store or session.store, dataset.source_sha256, len(dataset)),
        "outputs": outputs,
    }


def write_manifest(path: Path, manifest: dict, replace: Replace = atomic_write) -> None:
    """Write ``manifest`` as indented JSON, atomically (see ``write_jsonl``)."""
    data = orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"

    def write(handle: BinaryIO) -> None:
        handle.write(data)

    replace(path, write, None)
