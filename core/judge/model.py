"""A causal LM loaded as a judge: from the local cache, a folder (safetensors) or a GGUF file.

Finding and loading go through :mod:`core.scoring.causal_lm` (shared with the IFD scorer), so
a judge gets the same checks as a reward model: offline only, safetensors or GGUF only, no
custom code. The forward pass returns, for each row, the probabilities of the scale's digit
tokens at the first output position, how much of the whole next-token distribution those digits
hold, and the most likely token (to say why a row could not be read).
"""

from __future__ import annotations

import numpy as np
import torch

from core.errors import ThresherError
from core.scoring.causal_lm import CausalLM, locate_causal_lm
from core.scoring.model_files import ModelFiles


class JudgeSetupError(ThresherError):
    """The judge model cannot rate on this scale (e.g. a rating is not one token)."""


def locate_judge(name: str, revision: str | None = None) -> ModelFiles:
    """Find the judge on this machine and record what exactly it is (weights' sha256)."""
    return locate_causal_lm(name, revision, what="judge model")


def digit_token_ids(tokenizer, digits: list[str]) -> list[int]:
    """The token id of each rating as the judge writes it first; each must be one token."""
    ids = []
    for digit in digits:
        encoded = tokenizer.encode(digit, add_special_tokens=False)
        if len(encoded) != 1:
            raise JudgeSetupError(
                f"the judge's tokenizer writes the rating {digit!r} as "
                f"{len(encoded)} tokens; one-pass rating needs one token each"
            )
        ids.append(encoded[0])
    if len(set(ids)) != len(ids):
        raise JudgeSetupError("two ratings share one token in the judge's tokenizer")
    return ids


class JudgeModel(CausalLM):
    """A causal LM that reads the rating distribution at the first output position."""

    what = "judge model"

    def __init__(
        self, files: ModelFiles, tokenizer, model, device: torch.device, dtype: torch.dtype
    ):
        super().__init__(files, tokenizer, model, device, dtype)
        self.digit_ids: list[int] = []

    def forward(
        self, ids: np.ndarray, mask: np.ndarray, type_ids: np.ndarray | None, output_index: int
    ) -> np.ndarray:
        """Per row: the digits' log-probabilities among all tokens (K), then the top token id.

        The batch loop pads on the right; here rows move to the left padding a causal LM
        generates with (position ids from the mask, as ``generate()`` sets them), so every
        row's first output position is the last column and the head runs there only
        (``logits_to_keep=1``), with the model's own logit processing (soft-capping, scaling).
        """
        left_ids, left_mask = to_left_padding(ids, mask, self.pad_token_id)
        ids_t, mask_t = self.tensor(left_ids), self.tensor(left_mask)
        positions = (mask_t.cumsum(dim=1) - 1).clamp(min=0)
        with torch.inference_mode():
            logits = (
                self.model(
                    input_ids=ids_t,
                    attention_mask=mask_t,
                    position_ids=positions,
                    logits_to_keep=1,
                    use_cache=False,
                )
                .logits[:, -1]
                .float()
            )
            log_all = torch.log_softmax(logits, dim=-1)
            digits = log_all[:, self.digit_ids]
            top = logits.argmax(dim=-1, keepdim=True).float()
            return torch.cat([digits, top], dim=1).cpu().numpy()


def to_left_padding(
    ids: np.ndarray, mask: np.ndarray, pad_id: int
) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded rows moved to the right edge (left padding), mask alongside."""
    lengths = mask.sum(axis=1)
    width = ids.shape[1]
    left_ids = np.full_like(ids, pad_id)
    left_mask = np.zeros_like(mask)
    for row, n in enumerate(lengths.tolist()):
        left_ids[row, width - n :] = ids[row, :n]
        left_mask[row, width - n :] = 1
    return left_ids, left_mask
