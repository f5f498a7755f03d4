"""The judge as a scorer: rows rendered into judge prompts, rated through the batch engine.

It plugs into :func:`core.scoring.run.score_dataset` like a reward model: the same windows,
length-sorted token-budget batches, out-of-memory back-off, score cache (under its own key:
weights, tokenizer, prompt, scale, method, length and dtype) and streaming. A row whose first
output token is not a rating (the digits hold less than :data:`MIN_RATING_SHARE` of the
next-token probability) is unscorable with that reason, never given a number.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from core.dataset import Dataset
from core.judge import details
from core.judge.model import JudgeModel, JudgeSetupError, digit_token_ids
from core.judge.prompts import JudgePrompt, RowText, messages, render, row_text
from core.judge.rating import rate_digits
from core.scoring.batching import CPU_TOKEN_BUDGET, GPU_TOKEN_BUDGET
from core.scoring.devices import dtype_name
from core.scoring.encoding import EncodedRows
from core.scoring.engine import WINDOW_ROWS, BatchRunner, ScoredBatch, score_windows
from core.scoring.reward_model import default_max_length
from core.scoring.scorers import description_key

METHOD = "first output token, softmax over the scale's digits, expected value (v1)"
#: Below this share of the next-token probability on the scale's digits, the judge is not
#: answering with a rating (it starts with a word, a refusal, a different format).
MIN_RATING_SHARE = 0.05
#: Tokens kept at the least of a response cut to fit the judge's length.
MIN_RESPONSE_TOKENS = 16
TRUNCATION_MARK = " […]"


def judge_description(
    files, tokenizer, config, prompt: JudgePrompt, max_length: int | None, min_share: float, dtype
) -> dict:
    """What decides a local judge's ratings (its cache key), from the files alone.

    Shared by :class:`JudgeScorer` and the Ray engine's probe, which describes the judge
    without loading its weights; refuses a judge that cannot rate (no chat template, a rating
    that is not one token) before anything loads.
    """
    if not getattr(tokenizer, "chat_template", None):
        raise JudgeSetupError(
            f"the judge {files.name} has no chat template: use an instruct (chat) model"
        )
    digit_token_ids(tokenizer, prompt.digits)
    return {
        **files.describe(),
        "kind": "judge",
        "method": METHOD,
        "prompt": prompt.describe(),
        "max_length": max_length or default_max_length(tokenizer, config),
        "min_rating_share": min_share,
        "dtype": dtype_name(dtype),
    }


class JudgeScorer:
    """Rates rows with a loaded :class:`JudgeModel` and a :class:`JudgePrompt`."""

    cacheable = True

    def __init__(
        self,
        model: JudgeModel,
        prompt: JudgePrompt,
        max_length: int | None = None,
        token_budget: int | None = None,
        min_share: float = MIN_RATING_SHARE,
    ):
        self.model = model
        self.min_share = min_share
        self.prompt = prompt
        self.description = judge_description(
            model.files,
            model.tokenizer,
            model.model.config,
            prompt,
            max_length,
            min_share,
            model.dtype,
        )
        model.digit_ids = digit_token_ids(model.tokenizer, prompt.digits)
        self.max_length = self.description["max_length"]
        self.key = description_key(self.description)
        budget = token_budget or (
            GPU_TOKEN_BUDGET if model.device.type == "cuda" else CPU_TOKEN_BUDGET
        )
        self.runner = BatchRunner(model, 0, max(budget, self.max_length))

    # -- prompts -------------------------------------------------------------------------------

    def row(self, dataset: Dataset, i: int) -> RowText:
        """The placeholders' values for row ``i``."""
        return row_text(dataset.conversation(i), dataset.prompts[i], dataset.responses[i])

    def rendered(self, row: RowText) -> str:
        """The exact text the judge reads for a row (chat template, generation prompt)."""
        return self.model.tokenizer.apply_chat_template(
            messages(self.prompt, render(self.prompt, row)),
            tokenize=False,
            add_generation_prompt=True,
        )

    def _encode(self, dataset: Dataset, rows: np.ndarray) -> EncodedRows:
        ids: list[list[int]] = []
        truncated = np.zeros(len(rows), dtype=bool)
        errors: list[str | None] = [None] * len(rows)
        tokenizer = self.model.tokenizer
        texts, pieces = [], []
        for k, i in enumerate(rows.tolist()):
            piece = self.row(dataset, i)
            pieces.append(piece)
            try:
                texts.append(self.rendered(piece))
            except Exception as exc:  # a chat template may raise anything
                texts.append("")
                errors[k] = f"unscorable: the judge's chat template failed ({exc})"
        encoded = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        for k, row_ids in enumerate(encoded):
            if errors[k] is None and len(row_ids) > self.max_length:
                row_ids, errors[k] = self._shorten(pieces[k], len(row_ids))
                truncated[k] = errors[k] is None
            ids.append(row_ids if errors[k] is None else [])
        return EncodedRows(ids, None, truncated, errors)

    def _shorten(self, piece: RowText, length: int) -> tuple[list[int], str | None]:
        """Cut the response's end so the whole prompt fits; the question and the ask stay."""
        tokenizer = self.model.tokenizer
        response = tokenizer.encode(piece.response, add_special_tokens=False, verbose=False)
        keep = len(response) - (length - self.max_length) - 8
        if keep >= MIN_RESPONSE_TOKENS:
            cut = tokenizer.decode(response[:keep]) + TRUNCATION_MARK
            shorter = RowText(
                piece.instruction,
                piece.input,
                piece.prompt,
                cut,
                piece.conversation.replace(piece.response, cut),
            )
            ids = tokenizer(self.rendered(shorter), add_special_tokens=False, verbose=False)[
                "input_ids"
            ]
            if len(ids) <= self.max_length:
                return ids, None
        return [], (
            f"unscorable: the judge prompt is {length:,} tokens and the judge reads "
            f"{self.max_length:,}; even a shortened response does not fit"
        )

    # -- rating --------------------------------------------------------------------------------

    def score(
        self, dataset: Dataset, rows: np.ndarray, window_sizes: tuple[int, ...] = WINDOW_ROWS
    ) -> Generator[ScoredBatch, None, None]:
        """Ratings, batch by batch, each with its distribution's entropy."""
        for batch in score_windows(
            self.runner, lambda chunk: self._encode(dataset, chunk), rows, window_sizes
        ):
            yield self._rate(batch)

    def _rate(self, batch: ScoredBatch) -> ScoredBatch:
        k = len(self.prompt.digits)
        if batch.scores.ndim == 1:  # rows the engine could not run (reasons set)
            return ScoredBatch(
                batch.rows,
                batch.scores,
                batch.truncated,
                batch.unscorable,
                batch.reasons,
                entropy=np.full(len(batch.rows), np.nan, dtype=np.float32),
            )
        scores, entropy, share = rate_digits(batch.scores[:, :k], self.prompt.low)
        top = batch.scores[:, k]
        bad = ~np.isfinite(scores) | ~(share >= self.min_share)
        reasons = {}
        for j in np.flatnonzero(bad).tolist():
            reasons[int(batch.rows[j])] = self._reason(float(share[j]), int(top[j]))
        scores[bad] = np.nan
        entropy[bad] = np.nan
        return ScoredBatch(
            batch.rows,
            scores,
            batch.truncated,
            bad,
            reasons,
            batch.real_tokens,
            batch.computed_tokens,
            batch.lengths,
            entropy,
        )

    def _reason(self, share: float, top: int) -> str:
        if not np.isfinite(share):
            return "unscorable: the judge's output was not a number (NaN logits)"
        word = self.model.tokenizer.decode([top])
        return (
            f"unscorable: the judge's answer does not start with a rating "
            f"{self.prompt.low}-{self.prompt.high} (the digits get {share:.1%}; "
            f"most likely first token {word!r})"
        )

    # -- cache ---------------------------------------------------------------------------------

    def cache_details(self, store, scorer_id: int, dataset: Dataset, batch: ScoredBatch) -> None:
        """Keep each row's entropy and unscorable reason beside its cached score."""
        details.put(store, scorer_id, dataset, batch)

    def cached_details(
        self, store, scorer_id: int, dataset: Dataset, batch: ScoredBatch
    ) -> ScoredBatch:
        """A cached batch with its entropies and reasons read back."""
        return details.restore(store, scorer_id, dataset, batch)
