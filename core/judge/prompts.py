"""Judge prompts: the AlpaGasus presets, a 1–5 rubric, and curators' own prompt files.

A prompt is plain text with placeholders filled from each row: ``{instruction}``, ``{input}``,
``{prompt}``, ``{response}`` and, for chats, ``{conversation}``. Placeholders are replaced
literally (never ``str.format``): dataset text and prompts are full of braces. The scale is part
of the prompt, because the rating is read from the scale's digit tokens.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from core.errors import ThresherError

PLACEHOLDERS = ("instruction", "input", "prompt", "response", "conversation")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

#: AlpaGasus (Chen et al. 2023, appendix): the system prompt and the accuracy rating request.
ALPAGASUS_SYSTEM = (
    "We would like to request your feedback on the performance of AI assistant "
    "in response to the instruction and the given input displayed following."
)
_ALPAGASUS_BODY = (
    "###Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n{response}\n\n"
)
_ALPAGASUS_ASK = (
    "Please rate according to the {aspect} of the response to the instruction and the input. "
    "Each assistant receives a score on a scale of 0 to 5, where a higher score indicates "
    "higher level of the {aspect}. Please first output a single line containing the value "
    "indicating the scores. In the subsequent line, please provide a comprehensive explanation "
    "of your evaluation, avoiding any potential bias."
)
_RUBRIC = (
    "Rate the quality of the assistant's answer to the user's request below on a scale of 1 to "
    "5: 1 = wrong, harmful or off-topic; 2 = mostly unhelpful; 3 = acceptable but flawed; "
    "4 = good, with minor issues; 5 = excellent: correct, complete, clear and well written.\n\n"
    "### Request:\n{prompt}\n\n### Answer:\n{response}\n\n"
    "Reply with the rating alone, a single digit from 1 to 5."
)


class JudgePromptError(ThresherError):
    """A judge prompt file or scale cannot be used."""


@dataclass(frozen=True)
class JudgePrompt:
    """What the judge is asked, and the rating scale its answer is read on."""

    name: str  # preset name, or the prompt file's path
    label: str  # for menus
    template: str  # the user message, with placeholders
    low: int
    high: int
    system: str | None = None  # a system message, only where the method has one
    keep_at: float | None = None  # the method's own cut-off, suggested to the curator

    @property
    def digits(self) -> list[str]:
        """The scale's ratings as the strings the judge answers with."""
        return [str(k) for k in range(self.low, self.high + 1)]

    def describe(self) -> dict:
        """Everything about the prompt that decides a rating (part of the cache key)."""
        return {k: v for k, v in asdict(self).items() if k not in ("label", "keep_at")}


PRESETS: dict[str, JudgePrompt] = {
    "alpagasus-accuracy": JudgePrompt(
        "alpagasus-accuracy",
        "AlpaGasus (accuracy)",
        _ALPAGASUS_BODY + _ALPAGASUS_ASK.replace("{aspect}", "accuracy"),
        0,
        5,
        ALPAGASUS_SYSTEM,
        keep_at=4.5,
    ),
    "alpagasus-helpfulness": JudgePrompt(
        "alpagasus-helpfulness",
        "AlpaGasus (helpfulness)",
        _ALPAGASUS_BODY + _ALPAGASUS_ASK.replace("{aspect}", "helpfulness"),
        0,
        5,
        ALPAGASUS_SYSTEM,
        keep_at=4.5,
    ),
    "rubric-1-5": JudgePrompt("rubric-1-5", "Quality rubric (1–5)", _RUBRIC, 1, 5, keep_at=4.0),
}
DEFAULT_PRESET = "alpagasus-accuracy"


def parse_scale(text: str) -> tuple[int, int]:
    """``"0-5"`` -> (0, 5); single digits only, since the rating is read as one digit token."""
    match = re.fullmatch(r"\s*(\d)\s*[-–]\s*(\d)\s*", text or "")
    if not match or int(match[1]) >= int(match[2]):
        raise JudgePromptError(
            f"judge scale {text!r}: use LOW-HIGH with single digits, LOW < HIGH (e.g. 0-5 or "
            "1-9); the rating is read from one digit token, so 10 and above cannot be used"
        )
    return int(match[1]), int(match[2])


def load_prompt_file(path: str | Path, scale: str | None) -> JudgePrompt:
    """A curator's prompt file (UTF-8 text, the user message) with its scale."""
    path = Path(path)
    if scale is None:
        raise JudgePromptError(
            f"{path}: a custom judge prompt needs its scale (--judge-scale LOW-HIGH, e.g. 1-5)"
        )
    low, high = parse_scale(scale)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JudgePromptError(f"{path}: cannot read the judge prompt ({exc})") from None
    used = set(_PLACEHOLDER.findall(text))
    if not used & {"response", "conversation"}:
        raise JudgePromptError(
            f"{path}: the judge prompt never shows the answer: it needs {{response}} or "
            f"{{conversation}} (placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        )
    return JudgePrompt(str(path), path.name, text.strip(), low, high)


def resolve_prompt(preset: str | None, prompt_file: str | None, scale: str | None) -> JudgePrompt:
    """The prompt a run uses: a prompt file if given, else a preset (default AlpaGasus)."""
    if prompt_file:
        return load_prompt_file(prompt_file, scale)
    name = preset or DEFAULT_PRESET
    if name not in PRESETS:
        raise JudgePromptError(f"unknown judge preset {name!r}: use {', '.join(PRESETS)}")
    if scale is not None and parse_scale(scale) != (PRESETS[name].low, PRESETS[name].high):
        raise JudgePromptError(
            f"the {name} preset rates on {PRESETS[name].low}-"
            f"{PRESETS[name].high}; --judge-scale is for --judge-prompt files"
        )
    return PRESETS[name]


@dataclass(frozen=True)
class RowText:
    """The pieces of one row a judge prompt can show."""

    instruction: str
    input: str
    prompt: str
    response: str
    conversation: str


def row_text(turns, prompt: str, response: str) -> RowText:
    """Split a row for the placeholders: Alpaca's instruction/input, or the whole prompt."""
    by_role = {t.role: t.text for t in turns if not t.is_response}
    instruction = by_role.get("instruction", prompt)
    input_text = by_role.get("input", "") if "instruction" in by_role else ""
    lines = [
        f"{'Assistant' if t.is_response or t.role == 'assistant' else t.role.title()}: {t.text}"
        for t in turns
    ] or [f"User: {prompt}", f"Assistant: {response}"]
    return RowText(instruction, input_text, prompt, response, "\n\n".join(lines))


def render(prompt: JudgePrompt, row: RowText) -> str:
    """The user message for one row: placeholders replaced by the row's text, literally."""
    values = {
        "instruction": row.instruction,
        "input": row.input,
        "prompt": row.prompt,
        "response": row.response,
        "conversation": row.conversation,
    }
    return _PLACEHOLDER.sub(lambda m: values[m[1]], prompt.template)


def messages(prompt: JudgePrompt, user_text: str) -> list[dict]:
    """The chat the judge reads: the preset's system message (if any) and the user message."""
    chat = [{"role": "user", "content": user_text}]
    if prompt.system:
        chat.insert(0, {"role": "system", "content": prompt.system})
    return chat
