"""The only place that reads ``resources/``, through importlib.resources (source and frozen)."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

SAMPLE_NAME = "sample_sft.jsonl"


def sample_dataset_path() -> Path:
    """The bundled sample dataset, as a path on disk."""
    with as_file(files("resources") / "sample" / SAMPLE_NAME) as path:
        return Path(path)
