"""The judge prompt of one row as plain text, for the app to show before a run starts.

Needs no model: it shows the messages (system, if the preset has one, and the user message with
the row's text filled in); the model's chat template only adds its role markers around them.
"""

from __future__ import annotations

from core.errors import ThresherError
from core.judge.prompts import messages, render, resolve_prompt, row_text

#: Characters shown at most (a long response is cut in the preview only).
PREVIEW_CHARS = 6000


def judge_preview(settings, dataset, row: int) -> str:
    """The judge's messages for ``row`` under ``settings``, or why the prompt cannot be used."""
    try:
        prompt = resolve_prompt(settings.judge_preset, settings.judge_prompt, settings.judge_scale)
    except ThresherError as exc:
        return str(exc)
    piece = row_text(dataset.conversation(row), dataset.prompts[row], dataset.responses[row])
    text = "\n\n".join(
        f"[{m['role']}]\n{m['content']}" for m in messages(prompt, render(prompt, piece))
    )
    head = (
        f"Row {row + 1}: the judge rates {prompt.low}–{prompt.high}"
        + (f"; the method keeps ratings ≥ {prompt.keep_at:g}" if prompt.keep_at else "")
        + ".\n\n"
    )
    body = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + " …"
    return head + body
