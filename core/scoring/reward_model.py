"""A reward model loaded for scoring: tokenizer, weights on a device, and one forward pass.

Loading goes through the same ``from_pretrained`` path for a user's hub model and for the tiny
models the tests build, with ``local_files_only``, ``use_safetensors`` and
``trust_remote_code=False`` always set (see :mod:`core.scoring.model_files`).
"""

from __future__ import annotations

import numpy as np
import torch

from core.errors import ThresherError
from core.scoring.devices import resolve_device, resolve_dtype
from core.scoring.loaded_model import LoadedModel, pad_id
from core.scoring.model_files import ModelFiles, refuse_missing_weights
from core.transformers_import import load_transformers

#: Used when neither the tokenizer nor the config states a usable maximum length.
FALLBACK_MAX_LENGTH = 512
#: Longest default input; longer ones must be asked for (memory grows with length squared).
MAX_DEFAULT_LENGTH = 4096


class ModelLoadError(ThresherError):
    """The model folder passed the safety checks but transformers could not load it."""


class RewardModel(LoadedModel):
    """A sequence-classification model whose chosen output is the reward."""

    def __init__(
        self, files: ModelFiles, tokenizer, model, device: torch.device, dtype: torch.dtype
    ):
        super().__init__(files, tokenizer, model, device, dtype)
        self.num_outputs = int(model.config.num_labels)

    @classmethod
    def load(cls, files: ModelFiles, device: str = "auto", dtype: str = "auto") -> RewardModel:
        """Load tokenizer and weights from the checked folder onto ``device``."""
        load_transformers("AutoModelForSequenceClassification")
        from safetensors import SafetensorError
        from transformers import AutoModelForSequenceClassification
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our own progress reporting; stderr may be None

        torch_device = resolve_device(device)
        torch_dtype = resolve_dtype(dtype, torch_device)
        try:
            tokenizer = load_tokenizer(files)
            model, info = AutoModelForSequenceClassification.from_pretrained(
                files.path,
                local_files_only=True,
                trust_remote_code=False,
                use_safetensors=True,
                dtype=torch_dtype,
                output_loading_info=True,
            )
        except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:
            raise ModelLoadError(f"cannot load the model in {files.path}: {exc}") from None
        refuse_missing_weights(info, files, model, "reward model")
        model.to(torch_device).eval()
        if model.config.pad_token_id is None:
            # Decoder reward models find each row's last token through the pad id; without one
            # they refuse batches larger than one.
            model.config.pad_token_id = pad_id(tokenizer, model.config)
        return cls(files, tokenizer, model, torch_device, torch_dtype)

    def default_format(self) -> str:
        """``chat`` when the tokenizer has a chat template, else ``pair``."""
        return default_format(self.tokenizer)

    def default_max_length(self) -> int:
        """The shorter of the tokenizer's and the position embeddings' limits."""
        return default_max_length(self.tokenizer, self.model.config)

    def forward(
        self, ids: np.ndarray, mask: np.ndarray, type_ids: np.ndarray | None, output_index: int
    ) -> np.ndarray:
        """Scores (float32) for one padded batch; may raise ``torch.OutOfMemoryError``."""
        inputs = {"input_ids": self.tensor(ids), "attention_mask": self.tensor(mask)}
        if type_ids is not None:
            inputs["token_type_ids"] = self.tensor(type_ids)
        with torch.inference_mode():
            logits = self.model(**inputs).logits
            return logits[:, output_index].float().cpu().numpy()


def load_tokenizer(files: ModelFiles):
    """The model's tokenizer, from the checked folder only, never running the folder's code."""
    load_transformers("AutoTokenizer")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(files.path, local_files_only=True, trust_remote_code=False)


def load_config(files: ModelFiles):
    """The model's configuration (no weights), with the same safety flags as the weights."""
    load_transformers("AutoConfig")
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(
            files.path, local_files_only=True, trust_remote_code=False
        )
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(
            f"cannot read the model's configuration in {files.path}: {exc}"
        ) from None


def check_output_index(index: int, config) -> None:
    """Refuse an output index the model (as its configuration describes it) does not have."""
    outputs = int(config.num_labels)
    if not 0 <= index < outputs:
        raise ModelLoadError(
            f"output index {index} is out of range: the model has "
            f"{outputs} output(s), numbered from 0"
        )


def default_format(tokenizer) -> str:
    """``chat`` when the tokenizer has a chat template, else ``pair``."""
    return "chat" if getattr(tokenizer, "chat_template", None) else "pair"


def default_max_length(tokenizer, config) -> int:
    """The shorter of the tokenizer's and the position embeddings' limits."""
    limits = [
        int(v)
        for v in (
            getattr(tokenizer, "model_max_length", None),
            getattr(config, "max_position_embeddings", None),
        )
        if isinstance(v, int) and 0 < v < 1_000_000
    ]
    return min([*limits, MAX_DEFAULT_LENGTH]) if limits else FALLBACK_MAX_LENGTH
