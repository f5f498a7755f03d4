"""Find a reward model on disk, check it is safe to load, and record what exactly it is.

Offline by default: a hub id is looked up in the local Hugging Face cache only, and a missing
model fails at once with a message naming it, where it was looked for and how to get it.
Safety: only safetensors weights are ever loaded (a pickle can run code while it loads, and
``torch.load(weights_only=True)`` has been bypassed twice); a model that needs its own Python
code (``auto_map``) is refused, since ``trust_remote_code`` is never turned on.
Soundness: a folder without tokenizer files is refused (transformers would quietly build an
empty tokenizer that reads every word as unknown), every weight file's header is read before
loading (a corrupt file is one line naming it), and a loaded model whose checkpoint lacked
some of its weights is refused (:func:`refuse_missing_weights`): transformers fills them with
random values and only logs it.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from core.errors import ThresherError

DEFAULT_MODEL = "OpenAssistant/reward-model-deberta-v3-large-v2"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "spm.model",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
)
#: Files that hold a tokenizer's vocabulary: a folder needs one of them to read text at all.
VOCABULARY_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "tokenizer.model",
    "spm.model",
    "spiece.model",
    "sentencepiece.bpe.model",
)
_SHA256_NAME = re.compile(r"^[0-9a-f]{64}$")
_HASH_CHUNK = 8 << 20


class ModelNotFoundError(ThresherError):
    """The model is neither a local folder nor in the local Hugging Face cache."""


class UnsafeModelError(ThresherError):
    """The model would need pickle weights or custom code to load."""


class BrokenModelError(ThresherError):
    """The folder's files cannot make a sound model (unreadable weights, no tokenizer, gaps)."""


@dataclass(frozen=True)
class ModelFiles:
    """A located, checked model folder and its provenance."""

    name: str  # what the curator asked for: a hub id or a folder
    path: Path  # the folder the files are read from
    revision: str  # hub commit hash, or "local" for a plain folder
    weights: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    tokenizer_sha256: str = ""  # one digest over the tokenizer's files

    def describe(self) -> dict:
        """Provenance for caches, manifests and ``--json`` summaries."""
        return {
            "model": self.name,
            "path": str(self.path),
            "revision": self.revision,
            "weights_sha256": self.weights,
            "tokenizer_sha256": self.tokenizer_sha256,
        }


def hub_cache_dir() -> Path:
    """The Hugging Face cache folder models are looked up in."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def looks_like_path(name: str) -> bool:
    """Whether ``name`` is meant as a folder rather than a hub id (``owner/model``)."""
    return (
        name.startswith((".", "~", "/"))
        or os.sep in name.replace("/", "")
        or name.count("/") > 1
        or Path(name).expanduser().exists()
    )


def locate_model(name: str, revision: str | None = None) -> ModelFiles:
    """Find ``name`` (a folder or a hub id) on this machine and check it; never uses the network."""
    if looks_like_path(name):
        path = Path(name).expanduser().resolve()
        if path.is_file():
            raise ModelNotFoundError(f"{path} is a file, not a model folder")
        if not path.is_dir():
            raise ModelNotFoundError(f"model folder {path} does not exist")
        files_revision = "local"
    else:
        path, files_revision = _from_hub_cache(name, revision)
    check_model_folder(path)
    return ModelFiles(name, path, files_revision, weight_hashes(path), tokenizer_digest(path))


def model_available(name: str) -> bool:
    """Whether ``name`` can be found on this machine (a quick check; no hashing, no network)."""
    if looks_like_path(name):
        return (Path(name).expanduser() / "config.json").is_file()
    try:
        _from_hub_cache(name, None)
    except ModelNotFoundError:
        return False
    return True


def _from_hub_cache(name: str, revision: str | None) -> tuple[Path, str]:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(name, revision=revision, local_files_only=True))
    except HFValidationError as exc:
        raise ModelNotFoundError(
            f"{name!r} is neither a model folder nor a Hugging Face model id: {exc}"
        ) from None
    except (LocalEntryNotFoundError, FileNotFoundError):
        raise ModelNotFoundError(
            f"model {name} is not on this machine: looked for a folder of that name and in the "
            f"Hugging Face cache at {hub_cache_dir()}. Download it with "
            f"'python main.py download {name}' (or Download in the app's scoring panel), or "
            "choose a local model folder."
        ) from None
    return folder, folder.name


def check_model_folder(path: Path) -> None:
    """Refuse folders that are not loadable without pickle or custom code."""
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ModelNotFoundError(f"{path} is not a model folder: it has no config.json")
    try:
        config = orjson.loads(config_path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UnsafeModelError(f"{config_path}: not valid JSON ({exc})") from None
    for source in (config, _json_or_empty(path / "tokenizer_config.json")):
        if isinstance(source, dict) and "auto_map" in source:
            raise UnsafeModelError(
                f"{path}: the model requires custom code ('auto_map'), which Thresher never "
                "runs (trust_remote_code stays off) – not supported"
            )
    if weight_files(path):
        check_weight_headers(path)
        check_tokenizer_files(path)
        return
    pickles = sorted(p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise UnsafeModelError(
            f"{path} has only pickle weights ({', '.join(pickles)}); Thresher loads safetensors "
            "only, because a pickle can run code while it loads. Use a revision of the model "
            "that ships model.safetensors, or convert it with the safetensors convert tool."
        )
    raise ModelNotFoundError(f"{path} has no model weights (no *.safetensors file)")


def check_weight_headers(path: Path) -> None:
    """Read every weight file's header, so a corrupt or truncated file is named, not a traceback.

    Only the header is read (a few KB), never the tensors.
    """
    from safetensors import SafetensorError, safe_open

    for file in weight_files(path):
        try:
            with safe_open(str(file), framework="pt"):
                pass
        except (SafetensorError, OSError) as exc:
            raise BrokenModelError(f"{file}: not a readable safetensors file ({exc})") from None


def check_tokenizer_files(path: Path) -> None:
    """Refuse a folder with no tokenizer vocabulary: it cannot read text.

    Without one, transformers builds a tokenizer of special tokens only, every word becomes
    the unknown token, and every row scores alike without a word of warning.
    """
    if not any((path / name).is_file() for name in VOCABULARY_FILES):
        raise BrokenModelError(
            f"{path} has no tokenizer files ({', '.join(VOCABULARY_FILES)}): it cannot read text"
        )


def refuse_missing_weights(
    info: dict, files: ModelFiles, model, kind: str = "model", unused: tuple[str, ...] = ()
) -> None:
    """Refuse a model loaded with weights missing from its checkpoint (``output_loading_info``).

    transformers initialises missing weights randomly and only logs it, so a base model named
    as a reward model would score with a random head. Weights outside the base model (the
    head) read as "no trained scoring head"; any other missing weight is refused too, except
    those under the ``unused`` prefixes (parts the caller never runs).
    """
    missing = sorted(k for k in info.get("missing_keys") or () if not k.startswith(unused))
    if not missing:
        return
    prefix = (getattr(model, "base_model_prefix", "") or "") + "."
    head = [key for key in missing if prefix != "." and not key.startswith(prefix)]
    # ``classifier.weight`` before ``classifier.bias``: the weight is what a reader looks for
    shown = sorted(head or missing, key=lambda key: (not key.endswith(".weight"), key))
    names = ", ".join(shown[:4]) + (f" and {len(shown) - 4} more" if len(shown) > 4 else "")
    if head and kind == "reward model":
        raise BrokenModelError(
            f"{files.path} has no trained scoring head ({names} missing): it is a base model, "
            "not a reward model"
        )
    raise BrokenModelError(
        f"{files.path} lacks trained weights ({names} missing): the {kind} would run with "
        "random values in their place"
    )


def _json_or_empty(path: Path) -> object:
    try:
        return orjson.loads(path.read_bytes()) if path.is_file() else {}
    except orjson.JSONDecodeError:
        return {}


def weight_files(path: Path) -> list[Path]:
    """The safetensors weight files of a model folder."""
    return sorted(path.glob("*.safetensors"))


def weight_hashes(path: Path) -> dict[str, str]:
    """sha256 of every weight file (free for hub-cache files, whose blob is named by it)."""
    return {p.name: file_sha256(p) for p in weight_files(path)}


def tokenizer_digest(path: Path) -> str:
    """One sha256 over the tokenizer files, so a changed tokenizer invalidates cached scores."""
    digest = hashlib.sha256()
    for name in TOKENIZER_FILES:
        file = path / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file_sha256(file).encode())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """A file's sha256; read from the blob name when the file is a hub-cache link."""
    target = path.resolve()
    if target != path.absolute() and _SHA256_NAME.match(target.name):
        return target.name
    digest = hashlib.sha256()
    with open(target, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
