"""A causal LM giving, per row, the mean token loss of the response with and without its prompt.

The batch loop (:mod:`core.scoring.engine`) hands over right-padded rows of *prompt + response*
tokens whose token types mark the response (1). One forward pass reads the response's loss
given the prompt; a second pass over *alone head + response* (the scorer's fixed context with
no instruction) reads the response's loss alone. Both passes predict exactly the same response
tokens, so the ratio compares like with like.

Only the hidden states of positions that predict a response token go through the output head,
in chunks: a full ``logits`` tensor (rows × length × vocabulary, 49k for SmolLM2) would cost
gigabytes for a batch. The shortcut is checked against the model's own ``logits`` once at load
(a model that post-processes its logits in a way not handled here uses the full logits).
"""

from __future__ import annotations

import numpy as np
import torch

from core.scoring.causal_lm import CausalLM
from core.scoring.model_files import ModelFiles

#: Output columns of :meth:`IFDModel.forward`.
LOSS_GIVEN_PROMPT, LOSS_ALONE, RESPONSE_TOKENS = 0, 1, 2
#: Hidden states per output-head call (positions × vocabulary floats at a time).
HEAD_CHUNK = {"cpu": 256, "cuda": 4096}


class IFDModel(CausalLM):
    """Mean response-token losses (nats) with and without the prompt, for one padded batch."""

    what = "IFD model"

    def __init__(
        self, files: ModelFiles, tokenizer, model, device: torch.device, dtype: torch.dtype
    ):
        super().__init__(files, tokenizer, model, device, dtype)
        #: The context of the "response alone" pass (set by the scorer: a template's empty turn
        #: or the beginning-of-text token).
        self.alone_head: list[int] = []
        self.head_chunk = HEAD_CHUNK.get(device.type, 1024)
        self.full_logits = not self._head_matches_logits()

    # -- forward -------------------------------------------------------------------------------

    def forward(
        self, ids: np.ndarray, mask: np.ndarray, type_ids: np.ndarray | None, output_index: int
    ) -> np.ndarray:
        """Per row: loss given the prompt, loss alone, response tokens (float32, n × 3)."""
        if type_ids is None:
            raise ValueError("IFD rows need token types marking the response")
        response = (type_ids == 1) & (mask == 1)
        given = self.mean_losses(ids, mask, response)
        alone_ids, alone_mask, alone_target = self._alone_batch(ids, response)
        alone = self.mean_losses(alone_ids, alone_mask, alone_target)
        return np.stack([given, alone, response.sum(axis=1).astype(np.float32)], axis=1)

    def _alone_batch(
        self, ids: np.ndarray, response: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's response tokens after :attr:`alone_head`, right-padded."""
        head = np.asarray(self.alone_head, dtype=np.int64)
        tails = [ids[r, response[r]] for r in range(len(ids))]
        width = len(head) + max(len(t) for t in tails)
        out = np.full((len(ids), width), self.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        target = np.zeros((len(ids), width), dtype=bool)
        for r, tail in enumerate(tails):
            end = len(head) + len(tail)
            out[r, : len(head)] = head
            out[r, len(head) : end] = tail
            mask[r, :end] = 1
            target[r, len(head) : end] = True
        return out, mask, target

    def mean_losses(self, ids: np.ndarray, mask: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Mean negative log-likelihood of the ``target`` tokens, each given all before it.

        Right padding: the causal mask keeps pads out of every real token's view, so positions
        are the plain 0, 1, 2… A target in column 0 has nothing before it and is not counted.
        """
        target = target.copy()
        target[:, 0] = False
        ids_t, mask_t = self.tensor(ids), self.tensor(mask)
        rows, cols = (torch.from_numpy(a).to(self.device) for a in np.nonzero(target))
        with torch.inference_mode():
            if self.full_logits:
                logits = self.model(input_ids=ids_t, attention_mask=mask_t, use_cache=False).logits
                nll = _nll(logits[rows, cols - 1].float(), ids_t[rows, cols])
            else:
                hidden = self.model.base_model(
                    input_ids=ids_t, attention_mask=mask_t, use_cache=False
                ).last_hidden_state
                picked, wanted = hidden[rows, cols - 1], ids_t[rows, cols]
                nll = torch.cat(
                    [
                        _nll(
                            self._logits(picked[s : s + self.head_chunk]),
                            wanted[s : s + self.head_chunk],
                        )
                        for s in range(0, len(rows), self.head_chunk)
                    ]
                    or [torch.zeros(0, device=self.device)]
                )
            sums = torch.zeros(len(ids), dtype=torch.float64, device=self.device)
            sums.index_add_(0, rows, nll.double())
            counts = torch.bincount(rows, minlength=len(ids)).double()
            return (sums / counts).float().cpu().numpy()  # NaN where a row had no target

    def _logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The output head on some hidden states, with the architecture's logit processing.

        Gemma's soft-capping, Cohere's and Granite's scales; others are caught at load.
        """
        logits = self.model.get_output_embeddings()(hidden).float()
        config = self.model.config
        scale = getattr(config, "logit_scale", None)
        if isinstance(scale, (int, float)):
            logits = logits * scale
        divide = getattr(config, "logits_scaling", None)
        if isinstance(divide, (int, float)) and divide:
            logits = logits / divide
        cap = getattr(config, "final_logit_softcapping", None)
        if isinstance(cap, (int, float)) and cap:
            logits = torch.tanh(logits / cap) * cap
        return logits

    def _head_matches_logits(self) -> bool:
        """Whether the chunked head gives the model's own logits (checked on a few tokens)."""
        probe = torch.tensor([[self.pad_token_id, 1, 2, 3]], device=self.device) % int(
            self.model.config.get_text_config().vocab_size
        )
        try:
            with torch.inference_mode():
                full = self.model(input_ids=probe, use_cache=False).logits[0].float()
                hidden = self.model.base_model(input_ids=probe, use_cache=False).last_hidden_state[
                    0
                ]
                ours = self._logits(hidden)
        except (AttributeError, TypeError, RuntimeError):
            return False
        scale = full.abs().max().clamp(min=1.0)
        return bool(((full - ours).abs().max() / scale) < 1e-2)


def _nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """-log p(target) per position, in float32."""
    logits = logits.float()
    return torch.logsumexp(logits, dim=-1) - logits.gather(1, targets[:, None]).squeeze(1)
