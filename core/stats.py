"""Summary statistics of a dataset's lengths, for ``inspect`` and the app's status line."""

from __future__ import annotations

import numpy as np

from core.dataset import Dataset


def describe_lengths(values: np.ndarray) -> dict[str, float]:
    """Min / median / mean / p95 / max of a length column (zeros for an empty column)."""
    if values.size == 0:
        return {"min": 0, "median": 0, "mean": 0.0, "p95": 0, "max": 0}
    return {
        "min": int(values.min()),
        "median": float(np.median(values)),
        "mean": round(float(values.mean()), 1),
        "p95": float(np.percentile(values, 95)),
        "max": int(values.max()),
    }


def length_summary(dataset: Dataset) -> dict[str, dict[str, float]]:
    """Length statistics of prompts and responses, in characters and approximate tokens."""
    return {
        "prompt_chars": describe_lengths(dataset.prompt_chars),
        "response_chars": describe_lengths(dataset.response_chars),
        "prompt_tokens": describe_lengths(dataset.prompt_tokens),
        "response_tokens": describe_lengths(dataset.response_tokens),
    }
