"""The text of each record a level compares: its prompt, its response, or both."""

from __future__ import annotations

from core.dataset import Dataset
from core.dedup.normalize import PAIR_SEPARATOR


def field_texts(dataset: Dataset, field: str) -> list[str]:
    """``prompt``, ``response`` or ``both`` (prompt, a newline, response) for every row.

    A prompt-only file (an evaluation set, usually) has no responses: ``both`` is its prompt.
    """
    if field == "prompt":
        return list(dataset.prompts)
    if field == "response":
        return list(dataset.responses)
    if dataset.prompt_only:
        return list(dataset.prompts)
    return [p + PAIR_SEPARATOR + r for p, r in zip(dataset.prompts, dataset.responses, strict=True)]


def field_text(dataset: Dataset, field: str, row: int) -> str:
    """One row's text for ``field`` (see :func:`field_texts`), without building the column."""
    if field == "prompt" or (field == "both" and dataset.prompt_only):
        return dataset.prompts[row]
    if field == "response":
        return dataset.responses[row]
    return dataset.prompts[row] + PAIR_SEPARATOR + dataset.responses[row]
