"""Building a judge scorer from the scoring settings, and the judge's length bias for summaries."""

from __future__ import annotations

import numpy as np

from core.judge.model import JudgeModel, JudgeSetupError, locate_judge
from core.judge.prompts import resolve_prompt
from core.judge.scorer import JudgeScorer
from core.scoring.config import HEURISTIC
from core.scoring.devices import dtype_name, resolve_device, resolve_dtype

#: Fewer rated rows than this give no length correlation (it would be noise).
MIN_ROWS_FOR_CORRELATION = 10


def make_judge_scorer(settings, loaded=None) -> JudgeScorer:
    """The judge for ``settings``, reusing ``loaded`` when it is the same judge and device.

    The prompt is checked before the model loads, so a wrong scale or file fails at once.
    """
    prompt = resolve_prompt(settings.judge_preset, settings.judge_prompt, settings.judge_scale)
    if settings.model == HEURISTIC:
        raise JudgeSetupError("an LLM judge needs a model: choose an instruct model (hub id, "
                              "folder or .gguf file) as the judge")
    files = locate_judge(settings.model, settings.revision)
    model = loaded
    device = resolve_device(settings.device)
    same = (isinstance(model, JudgeModel) and model.files.path == files.path
            and model.files.weights == files.weights and model.device == device
            and dtype_name(model.dtype) == dtype_name(resolve_dtype(settings.dtype, device)))
    if not same:
        if model is not None:
            model.release()
        model = JudgeModel.load(files, settings.device, settings.dtype)
    return JudgeScorer(model, prompt, settings.max_length, settings.token_budget)


def length_correlation(scores: np.ndarray, response_chars: np.ndarray) -> float | None:
    """Spearman's ρ between rating and response length over rated rows (judges favour length).

    None when fewer than :data:`MIN_ROWS_FOR_CORRELATION` rows were rated or either side is
    constant (ρ is undefined then, and a made-up 0 would read as "no bias").
    """
    from scipy.stats import spearmanr

    rated = np.isfinite(scores)
    if rated.sum() < MIN_ROWS_FOR_CORRELATION:
        return None
    x, y = scores[rated], response_chars[rated]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(spearmanr(x, y).statistic)


def judge_report(dataset, table) -> dict:
    """The judge's part of a run summary: length bias and how sure it was."""
    entropy = table.entropy if table.entropy is not None else np.array([], dtype=np.float32)
    rated = np.isfinite(entropy)
    return {"judge_length_correlation": length_correlation(table.scores,
                                                           dataset.response_chars),
            "judge_mean_entropy": round(float(entropy[rated].mean()), 4) if rated.any()
            else None}
