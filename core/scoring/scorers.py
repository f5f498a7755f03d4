"""The two scorers: a reward model, or the offline heuristics when there is none.

Both turn dataset rows into :class:`~core.scoring.engine.ScoredBatch` streams and carry a
``key`` that identifies their results in the score cache: for a model it covers the weights'
sha256, revision, tokenizer files, input format, template, max length, output index and
dtype, so any change that could change a score misses the cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Generator

import numpy as np
import orjson

from core.dataset import Dataset
from core.scoring.batching import CPU_TOKEN_BUDGET, GPU_TOKEN_BUDGET
from core.scoring.config import ScoreConfig
from core.scoring.devices import dtype_name
from core.scoring.encoding import (
    FORMATS,
    SEED_TEMPLATE,
    Encoder,
    EncodingSetupError,
    chat_messages,
)
from core.scoring.engine import WINDOW_ROWS, BatchRunner, ScoredBatch, score_windows
from core.scoring.heuristics import SCORER_DESCRIPTION, compute_signals
from core.scoring.model_files import ModelFiles
from core.scoring.reward_model import (
    RewardModel,
    check_output_index,
    default_format,
    default_max_length,
)

HEURISTIC_CHUNK_ROWS = 256


def _digest(description: dict) -> str:
    return hashlib.sha256(orjson.dumps(description, option=orjson.OPT_SORT_KEYS)).hexdigest()


def model_description(files: ModelFiles, tokenizer, config, settings: ScoreConfig, dtype) -> dict:
    """Everything that decides a model's scores: provenance, input format, length, dtype.

    Needs the tokenizer and configuration but not the weights, so a cluster's driver learns the
    cache key of a run (and hears of an output index the model does not have) before any
    worker has loaded the model.
    """
    check_output_index(settings.output_index, config)
    fmt = settings.format or default_format(tokenizer)
    if fmt not in FORMATS:
        raise EncodingSetupError(f"unknown input format {fmt!r}: use {', '.join(FORMATS)}")
    return {
        **files.describe(),
        "format": fmt,
        "template": (settings.template or SEED_TEMPLATE) if fmt == "template" else None,
        "max_length": settings.max_length or default_max_length(tokenizer, config),
        "truncation": "prompt from its start",
        "output_index": settings.output_index,
        "dtype": dtype_name(dtype),
    }


def description_key(description: dict) -> str:
    """The score-cache key of a description (without the folder: a moved model scores the same)."""
    return _digest({k: v for k, v in description.items() if k != "path"})


class HeuristicScorer:
    """Scores rows with :func:`core.scoring.heuristics.heuristic_score`; needs no model.

    ``scores`` (aligned with the dataset's rows) are used when the signals were already
    computed, as the app does for its Flags column and the command line for its output; the
    signals are only computed here when they were not.
    """

    cacheable = False

    def __init__(self, scores: np.ndarray | None = None) -> None:
        self.description = dict(SCORER_DESCRIPTION)
        self.key = _digest(self.description)
        self.scores = scores

    def score(
        self, dataset: Dataset, rows: np.ndarray, window_sizes: tuple[int, ...] = WINDOW_ROWS
    ) -> Generator[ScoredBatch, None, None]:
        """Heuristic scores, a chunk of rows at a time (pausing like ``iter_signals``).

        Scores already computed (by the flags job) come in one batch: each batch re-applies the
        rule over every row on the GUI thread, and 256-row batches were 3,900 of those at 1M.
        ``window_sizes`` is accepted for the scorers' common interface and not needed: each
        row's heuristic score depends on that row alone.
        """
        step = max(1, len(rows)) if self.scores is not None else HEURISTIC_CHUNK_ROWS
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            if self.scores is not None:
                scores = self.scores[chunk]
            else:
                if start:
                    time.sleep(0.002)
                scores = compute_signals(
                    [dataset.prompts[i] for i in chunk], [dataset.responses[i] for i in chunk]
                ).score
            yield ScoredBatch(
                chunk, scores, np.zeros(len(chunk), dtype=bool), np.zeros(len(chunk), dtype=bool)
            )


class ModelScorer:
    """Scores rows with a loaded reward model in the chosen input format."""

    cacheable = True

    def __init__(self, model: RewardModel, settings: ScoreConfig):
        self.model = model
        self.description = model_description(
            model.files, model.tokenizer, model.model.config, settings, model.dtype
        )
        self.format = self.description["format"]
        self.template = self.description["template"]
        self.max_length = self.description["max_length"]
        self.output_index = settings.output_index
        self.encoder = Encoder(model.tokenizer, self.format, self.max_length, self.template)
        budget = settings.token_budget or (
            GPU_TOKEN_BUDGET if model.device.type == "cuda" else CPU_TOKEN_BUDGET
        )
        self.runner = BatchRunner(model, self.output_index, max(budget, self.max_length))
        self.key = description_key(self.description)

    def score(
        self, dataset: Dataset, rows: np.ndarray, window_sizes: tuple[int, ...] = WINDOW_ROWS
    ) -> Generator[ScoredBatch, None, None]:
        """Model scores, length-sorted within windows, tokenised ahead of the model.

        ``window_sizes``: how ``rows`` are cut into windows (the last size repeats). Rows are
        batched within a window, so the same windows give the same batches and bit-identical
        scores; the Ray engine passes the windows the local engine would have used.
        """
        return score_windows(
            self.runner, lambda chunk: self._encode(dataset, chunk), rows, window_sizes
        )

    def _encode(self, dataset: Dataset, rows: np.ndarray):
        prompts = [dataset.prompts[i] for i in rows]
        responses = [dataset.responses[i] for i in rows]
        messages = None
        if self.format == "chat":
            messages = [
                chat_messages(dataset.conversation(i), dataset.prompts[i], dataset.responses[i])
                for i in rows
            ]
        return self.encoder.encode(prompts, responses, messages)
