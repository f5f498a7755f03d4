"""What a curator chooses about a scoring run, as plain data (no torch).

Kept apart from the scorers so the Scoring panel and ``--help`` can show the choices without
importing torch or transformers.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.scoring.model_files import DEFAULT_MODEL

#: The ``model`` that asks for the offline heuristic scorer instead of a reward model.
HEURISTIC = "heuristic"


@dataclass(frozen=True)
class ScoreConfig:
    """Everything a curator can choose about a scoring run."""

    model: str = DEFAULT_MODEL  # hub id, folder, or "heuristic"
    revision: str | None = None
    format: str | None = None  # None: the model's default
    template: str | None = None  # for the template format (default: the seed's)
    device: str = "auto"
    dtype: str = "auto"
    max_length: int | None = None  # None: the model's limit
    output_index: int = 0
    token_budget: int | None = None  # None: by device
    judge_preset: str | None = None  # an LLM judge (``model`` is then a causal LM/GGUF)
    judge_prompt: str | None = None  # a judge prompt file (with ``judge_scale``)
    judge_scale: str | None = None  # "LOW-HIGH" for a prompt file
    ifd: bool = False  # IFD (:mod:`core.scoring.ifd`): ``model`` is a causal LM
    judge_endpoint: str | None = None  # an OpenAI-compatible server's base URL (``model``
    # is then the server's model name)
    judge_concurrency: int = 4  # requests in flight at once to the server
    judge_rpm: int | None = None  # at most this many requests a minute (None: no limit)
    judge_timeout: float | None = None  # seconds per request (None: 60)

    @property
    def heuristic(self) -> bool:
        """Whether these settings ask for the offline heuristic scorer."""
        return self.model == HEURISTIC and not self.judge and not self.ifd

    @property
    def judge(self) -> bool:
        """Whether ``model`` is an LLM judge (:mod:`core.judge`) rather than a reward model."""
        return bool(self.judge_preset or self.judge_prompt)
