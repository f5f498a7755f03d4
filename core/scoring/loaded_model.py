"""What every model loaded for scoring holds: its files, tokenizer, weights, device and dtype.

The reward model, the IFD model and the judge differ in how they load and in their forward
pass; keeping the weights on a device, moving a batch there and giving the memory back are the
same for all three and live here once.
"""

from __future__ import annotations

import numpy as np
import torch

from core.scoring.model_files import ModelFiles


class LoadedModel:
    """A tokenizer and weights on ``device``, with the pad id batches are padded with."""

    def __init__(
        self, files: ModelFiles, tokenizer, model, device: torch.device, dtype: torch.dtype
    ):
        self.files = files
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.dtype = dtype
        self.pad_token_id = pad_id(tokenizer, model.config)

    def tensor(self, array: np.ndarray) -> torch.Tensor:
        """``array`` on the model's device (copied from pinned memory, asynchronously, on CUDA)."""
        tensor = torch.from_numpy(array)
        if self.device.type == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor.to(self.device)

    def release(self) -> None:
        """Drop the weights and give cached GPU memory back."""
        self.model = None
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


def pad_id(tokenizer, config) -> int:
    """The tokenizer's pad id, else the config's, else end-of-text, else 0."""
    for value in (
        getattr(tokenizer, "pad_token_id", None),
        getattr(config, "pad_token_id", None),
        getattr(tokenizer, "eos_token_id", None),
    ):
        if isinstance(value, int):
            return value
    return 0
