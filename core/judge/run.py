"""Building a local judge scorer from the scoring settings."""

from __future__ import annotations

from core.judge.model import JudgeModel, JudgeSetupError, locate_judge
from core.judge.prompts import resolve_prompt
from core.judge.scorer import JudgeScorer
from core.scoring.config import HEURISTIC
from core.scoring.devices import dtype_name, resolve_device, resolve_dtype


def make_judge_scorer(settings, loaded=None) -> JudgeScorer:
    """The judge for ``settings``, reusing ``loaded`` when it is the same judge and device.

    The prompt is checked before the model loads, so a wrong scale or file fails at once.
    """
    prompt = resolve_prompt(settings.judge_preset, settings.judge_prompt, settings.judge_scale)
    if settings.model == HEURISTIC:
        raise JudgeSetupError(
            "an LLM judge needs a model: choose an instruct model (hub id, "
            "folder or .gguf file) as the judge"
        )
    files = locate_judge(settings.model, settings.revision)
    model = loaded
    device = resolve_device(settings.device)
    same = (
        isinstance(model, JudgeModel)
        and model.files.path == files.path
        and model.files.weights == files.weights
        and model.device == device
        and dtype_name(model.dtype) == dtype_name(resolve_dtype(settings.dtype, device))
    )
    if not same:
        if model is not None:
            model.release()
        model = JudgeModel.load(files, settings.device, settings.dtype)
    return JudgeScorer(model, prompt, settings.max_length, settings.token_budget)
