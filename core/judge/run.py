"""Building a local judge scorer from the scoring settings."""

from __future__ import annotations

from core.judge.model import JudgeModel, JudgeSetupError, locate_judge
from core.judge.prompts import JudgePrompt, resolve_prompt
from core.judge.scorer import MIN_RATING_SHARE, JudgeScorer, judge_description
from core.scoring.causal_lm import load_causal_config, load_causal_tokenizer
from core.scoring.config import HEURISTIC
from core.scoring.devices import dtype_name, resolve_device, resolve_dtype
from core.scoring.model_files import ModelFiles


def make_judge_scorer(settings, loaded=None) -> JudgeScorer:
    """The judge for ``settings``, reusing ``loaded`` when it is the same judge and device.

    The prompt is checked before the model loads, so a wrong scale or file fails at once.
    """
    prompt, files = _prompt_and_files(settings)
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


def describe_judge(settings) -> dict:
    """The description (hence cache key) :func:`make_judge_scorer` gives, without the weights.

    Reads the judge's tokenizer and configuration only (a GGUF file's from its metadata), so the
    Ray engine learns the key and meets a wrong prompt, scale or model before any worker loads.
    """
    prompt, files = _prompt_and_files(settings)
    dtype = resolve_dtype(settings.dtype, resolve_device(settings.device))
    return judge_description(
        files,
        load_causal_tokenizer(files),
        load_causal_config(files, "judge model"),
        prompt,
        settings.max_length,
        MIN_RATING_SHARE,
        dtype,
    )


def _prompt_and_files(settings) -> tuple[JudgePrompt, ModelFiles]:
    """The judge's prompt (checked first, so a wrong scale or file fails at once) and files."""
    prompt = resolve_prompt(settings.judge_preset, settings.judge_prompt, settings.judge_scale)
    if settings.model == HEURISTIC:
        raise JudgeSetupError(
            "an LLM judge needs a model: choose an instruct model (hub id, "
            "folder or .gguf file) as the judge"
        )
    return prompt, locate_judge(settings.model, settings.revision)
