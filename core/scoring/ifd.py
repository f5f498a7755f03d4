"""IFD, instruction-following difficulty (Cherry LLM, "From Quantity to Quality"; Superfiltering).

IFD = mean token loss of the response given the prompt / mean token loss of the response alone,
from a small causal LM. It asks how much the instruction helps the model predict the answer:

* well below 1: the prompt makes the answer easy (a template, an answer the prompt spells out);
* close to 1 (but below): the answer is hard to predict even given the instruction, the rows
  Cherry LLM and Superfiltering keep (the curator keeps the *highest* IFD, a top few percent);
* above 1: the prompt makes the answer *less* likely, instruction and answer do not go
  together. Such rows are flagged ``ifd_above_1`` and left unranked (unscorable, with the
  reason and their IFD), so a "keep the top N" rule never keeps them.

With a chat template the prompt is the record's turns through the template (the answer and its
end-of-turn tokens are the response), and "alone" is the template with an empty user turn; a
model without one reads ``prompt``, a blank line and the response, and "alone" is the
beginning-of-text token. The scorer's description says which.

It runs on the batch engine like a reward model or a judge (token-budget batches, out-of-memory
back-off, cache under its own key, cancel/resume, progress): each row is one engine row, and
:class:`core.scoring.ifd_model.IFDModel` runs its two forward passes.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace

import numpy as np

from core.dataset import Dataset
from core.errors import ThresherError
from core.scoring import ifd_details
from core.scoring.batching import CPU_TOKEN_BUDGET, GPU_TOKEN_BUDGET
from core.scoring.causal_lm import load_causal_config, load_causal_tokenizer, locate_causal_lm
from core.scoring.config import HEURISTIC
from core.scoring.devices import dtype_name, resolve_device, resolve_dtype
from core.scoring.encoding import EncodedRows, chat_messages, render_chat
from core.scoring.engine import WINDOW_ROWS, BatchRunner, ScoredBatch, score_windows
from core.scoring.ifd_model import LOSS_ALONE, LOSS_GIVEN_PROMPT, IFDModel
from core.scoring.ifd_report import ABOVE_1 as IFD_FLAG
from core.scoring.reward_model import default_max_length
from core.scoring.scorers import description_key

METHOD = (
    "IFD = mean response-token loss given the prompt / mean loss of the same tokens "
    "alone (Cherry LLM); higher = harder, keep the highest; IFD > 1 flagged, unranked (v1)"
)
#: A ``ScoredBatch.extra`` column: IFD > 1, the prompt does not help predict the answer.
ABOVE_1 = IFD_FLAG
#: Prompt tokens kept at the least when a long response is cut to fit the model.
MIN_PROMPT_TOKENS = 32
PLAIN_SEPARATOR = "\n\n"


class IFDSetupError(ThresherError):
    """The model cannot give IFD scores (it has no token to start a text with)."""


def has_chat_template(tokenizer) -> bool:
    """Whether IFD reads the record through the model's chat template."""
    return bool(getattr(tokenizer, "chat_template", None))


def alone_head(tokenizer, name: str) -> list[int]:
    """The context of the "response alone" pass; refuses a model with none.

    With a chat template: the template with an empty user turn (or the text-start token if that
    renders to nothing); without: the beginning- (else end-) of-text token.
    """
    start = next(
        (t for t in (tokenizer.bos_token_id, tokenizer.eos_token_id) if isinstance(t, int)),
        None,
    )
    head: list[int] = []
    if has_chat_template(tokenizer):
        alone = tokenizer.apply_chat_template(
            [{"role": "user", "content": ""}], tokenize=False, add_generation_prompt=True
        )
        head = tokenizer(alone, add_special_tokens=False, verbose=False)["input_ids"]
    if not head and start is not None:
        head = [start]
    if not head:
        raise IFDSetupError(
            f"the IFD model {name} has no token to start a "
            "text with (no beginning- or end-of-text token)"
        )
    return head


def ifd_description(files, tokenizer, config, max_length: int | None, dtype) -> dict:
    """What decides a model's IFD scores (its cache key), from the files alone.

    Shared by :class:`IFDScorer` and the Ray engine's probe, which describes the scorer without
    loading the weights.
    """
    alone_head(tokenizer, files.name)  # refuse a model that cannot score before any worker loads it
    if has_chat_template(tokenizer):
        context = (
            "the model's chat template over the record's turns; alone: the template "
            "with an empty user turn"
        )
    else:
        context = (
            f"no chat template: text start, prompt, {PLAIN_SEPARATOR!r}, response; "
            "alone: text start, response"
        )
    return {
        **files.describe(),
        "kind": "ifd",
        "method": METHOD,
        "input": context,
        "max_length": max_length or default_max_length(tokenizer, config),
        "dtype": dtype_name(dtype),
    }


class IFDScorer:
    """Scores rows with a loaded :class:`IFDModel`."""

    cacheable = True

    def __init__(
        self, model: IFDModel, max_length: int | None = None, token_budget: int | None = None
    ):
        self.model = model
        self.chat = has_chat_template(model.tokenizer)
        model.alone_head = alone_head(model.tokenizer, model.files.name)
        self.description = ifd_description(
            model.files, model.tokenizer, model.model.config, max_length, model.dtype
        )
        self.max_length = self.description["max_length"]
        self.key = description_key(self.description)
        budget = token_budget or (
            GPU_TOKEN_BUDGET if model.device.type == "cuda" else CPU_TOKEN_BUDGET
        )
        self.runner = BatchRunner(model, 0, max(budget, self.max_length))

    # -- encoding ------------------------------------------------------------------------------

    def pieces(self, dataset: Dataset, i: int) -> tuple[str, str]:
        """(prompt text as the model reads it, response text) for row ``i``."""
        if self.chat:
            return render_chat(
                self.model.tokenizer,
                chat_messages(dataset.conversation(i), dataset.prompts[i], dataset.responses[i]),
            )
        return dataset.prompts[i] + PLAIN_SEPARATOR, dataset.responses[i]

    def _encode(self, dataset: Dataset, rows: np.ndarray) -> EncodedRows:
        heads, tails = [], []
        errors: list[str | None] = [None] * len(rows)
        for k, i in enumerate(rows.tolist()):
            head = tail = ""
            if not dataset.responses[i].strip():
                errors[k] = "unscorable: the response is empty"
            else:
                try:
                    head, tail = self.pieces(dataset, i)
                except Exception as exc:  # a chat template may raise anything
                    errors[k] = f"unscorable: the model's chat template failed ({exc})"
                if errors[k] is None and not head:
                    errors[k] = (
                        "unscorable: the chat template renders the prompt differently "
                        "inside the whole chat, so the response cannot be told apart"
                    )
            heads.append(head)
            tails.append(tail)
        tokenizer = self.model.tokenizer
        head_ids = tokenizer(heads, add_special_tokens=False, verbose=False)["input_ids"]
        tail_ids = tokenizer(tails, add_special_tokens=False, verbose=False)["input_ids"]
        start = [] if self.chat else self.model.alone_head
        ids, types = [], []
        truncated = np.zeros(len(rows), dtype=bool)
        for k, (head_tokens, tail_tokens) in enumerate(zip(head_ids, tail_ids, strict=True)):
            head_tokens = start + head_tokens
            if errors[k] is None:
                head_tokens, tail_tokens, truncated[k], errors[k] = self._fit(
                    head_tokens, tail_tokens
                )
            if errors[k] is not None:
                head_tokens, tail_tokens = [], []
            ids.append(head_tokens + tail_tokens)
            types.append([0] * len(head_tokens) + [1] * len(tail_tokens))
        return EncodedRows(ids, types, truncated, errors)

    def _fit(
        self, head: list[int], tail: list[int]
    ) -> tuple[list[int], list[int], bool, str | None]:
        """Cut the prompt from its start, then a long response from its end, to fit the model."""
        room = self.max_length - max(len(self.model.alone_head), min(len(head), MIN_PROMPT_TOKENS))
        if room < 1:
            return (
                head,
                tail,
                False,
                (
                    f"unscorable: the model reads {self.max_length:,} tokens, "
                    "too few for a prompt and a response"
                ),
            )
        keep_tail = min(len(tail), room)
        keep_head = min(len(head), self.max_length - keep_tail)
        cut = keep_tail < len(tail) or keep_head < len(head)
        return head[len(head) - keep_head :], tail[:keep_tail], cut, None

    # -- scoring -------------------------------------------------------------------------------

    def score(
        self, dataset: Dataset, rows: np.ndarray, window_sizes: tuple[int, ...] = WINDOW_ROWS
    ) -> Generator[ScoredBatch, None, None]:
        """IFD scores, batch by batch, with both losses and the IFD > 1 flag."""
        for batch in score_windows(
            self.runner, lambda chunk: self._encode(dataset, chunk), rows, window_sizes
        ):
            yield self._ratios(batch)

    def _ratios(self, batch: ScoredBatch) -> ScoredBatch:
        n = len(batch.rows)
        if batch.scores.ndim == 1:  # rows the engine could not run (reasons set)
            nan = np.full(n, np.nan, dtype=np.float32)
            return replace(batch, extra=extras(nan, nan))
        return from_losses(batch, batch.scores[:, LOSS_GIVEN_PROMPT], batch.scores[:, LOSS_ALONE])

    # -- cache ---------------------------------------------------------------------------------

    def cache_details(self, store, scorer_id: int, dataset: Dataset, batch: ScoredBatch) -> None:
        """Keep each row's two losses and unscorable reason beside its cached score."""
        ifd_details.put(store, scorer_id, dataset, batch)

    def cached_details(
        self, store, scorer_id: int, dataset: Dataset, batch: ScoredBatch
    ) -> ScoredBatch:
        """A cached batch with its losses, IFD, flags and reasons read back."""
        return restore_details(store, scorer_id, dataset, batch)


def restore_details(store, scorer_id: int, dataset, batch: ScoredBatch) -> ScoredBatch:
    """A cached batch with its losses, IFD, flags and reasons read back from the project."""
    given, alone, reasons = ifd_details.restore(store, scorer_id, dataset, batch)
    restored = from_losses(batch, given, alone)
    return replace(restored, truncated=batch.truncated, reasons={**restored.reasons, **reasons})


def extras(given: np.ndarray, alone: np.ndarray) -> dict[str, np.ndarray]:
    """The per-row columns: IFD, both losses and the IFD > 1 flag."""
    with np.errstate(all="ignore"):
        ifd = (given / alone).astype(np.float32)
    ifd[~np.isfinite(ifd)] = np.nan
    return {
        "ifd": ifd,
        "loss_given_prompt": given.astype(np.float32),
        "loss_alone": alone.astype(np.float32),
        ABOVE_1: ifd > 1,
    }


def from_losses(batch: ScoredBatch, given: np.ndarray, alone: np.ndarray) -> ScoredBatch:
    """``batch`` scored: IFD where it is at most 1; flagged and unranked above; reasons set."""
    columns = extras(given, alone)
    ifd, above = columns["ifd"], columns[ABOVE_1]
    bad = np.isnan(ifd)
    reasons = {}
    for j in np.flatnonzero(bad | above).tolist():
        row = int(batch.rows[j])
        if above[j]:
            reasons[row] = (
                f"{ABOVE_1}: IFD {ifd[j]:.3f} > 1, the prompt makes the response "
                "less likely (instruction and response do not go together)"
            )
        elif batch.unscorable[j] and row in batch.reasons:
            reasons[row] = batch.reasons[row]
        else:
            reasons[row] = "unscorable: the model's losses were not numbers (NaN or zero)"
    scores = np.where(bad | above, np.nan, ifd).astype(np.float32)
    return replace(batch, scores=scores, unscorable=bad | above, reasons=reasons, extra=columns)


def make_ifd_scorer(settings, loaded=None) -> IFDScorer:
    """The IFD scorer for ``settings``, reusing ``loaded`` when it is the same model and device."""
    files = _files(settings)
    device = resolve_device(settings.device)
    same = (
        isinstance(loaded, IFDModel)
        and loaded.files.path == files.path
        and loaded.files.weights == files.weights
        and loaded.device == device
        and dtype_name(loaded.dtype) == dtype_name(resolve_dtype(settings.dtype, device))
    )
    model = loaded
    if not same:
        if loaded is not None:
            loaded.release()
        model = IFDModel.load(files, settings.device, settings.dtype)
    return IFDScorer(model, settings.max_length, settings.token_budget)


def describe_ifd(settings) -> dict:
    """The description (hence cache key) :func:`make_ifd_scorer` gives, without the weights."""
    files = _files(settings)
    dtype = resolve_dtype(settings.dtype, resolve_device(settings.device))
    return ifd_description(
        files,
        load_causal_tokenizer(files),
        load_causal_config(files, "IFD model"),
        settings.max_length,
        dtype,
    )


def _files(settings):
    if settings.model == HEURISTIC:
        raise IFDSetupError("IFD needs a causal language model: a hub id, folder or .gguf file")
    return locate_causal_lm(settings.model, settings.revision, what="IFD model")
