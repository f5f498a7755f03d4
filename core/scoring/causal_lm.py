"""Finding and loading a causal LM safely: hub id from the cache, a safetensors folder, or GGUF.

Shared by the LLM judge (:mod:`core.judge.model`) and the IFD scorer (:mod:`core.scoring.ifd`)
so both get the same checks: both models are a :class:`CausalLM`. Folders and hub ids go through
:func:`core.scoring.model_files.locate_model`: offline only, safetensors only, no custom code.
A GGUF file holds only tensors and metadata (no code, no pickle); transformers dequantises it
with the ``gguf`` package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self

from core.scoring.devices import resolve_device, resolve_dtype
from core.scoring.loaded_model import LoadedModel
from core.scoring.model_files import (
    ModelFiles,
    ModelNotFoundError,
    file_sha256,
    locate_model,
    refuse_missing_weights,
)
from core.scoring.reward_model import ModelLoadError
from core.transformers_import import load_transformers


def is_gguf(name: str) -> bool:
    """Whether ``name`` names a GGUF file."""
    return name.lower().endswith(".gguf")


def locate_causal_lm(name: str, revision: str | None = None, what: str = "model") -> ModelFiles:
    """Find the model on this machine and record what exactly it is (weights' sha256)."""
    if not is_gguf(name):
        return locate_model(name, revision)
    path = Path(name).expanduser().resolve()
    if path.is_dir():
        raise ModelNotFoundError(f"{path} is a folder, not a GGUF file")
    if not path.is_file():
        raise ModelNotFoundError(f"{what} file {path} does not exist")
    return ModelFiles(name, path, "gguf", {path.name: file_sha256(path)}, "in the GGUF file")


def _load_kwargs(files: ModelFiles) -> dict:
    kwargs = {"local_files_only": True, "trust_remote_code": False, "use_safetensors": True}
    if files.revision == "gguf":
        return {
            **kwargs,
            "folder": files.path.parent,
            "gguf_file": files.path.name,
            "use_safetensors": None,
        }
    return {**kwargs, "folder": files.path}


def load_causal_tokenizer(files: ModelFiles):
    """The model's tokenizer (from the folder's files, or the GGUF file's metadata)."""
    load_transformers("AutoTokenizer")
    from transformers import AutoTokenizer

    kwargs = _load_kwargs(files)
    kwargs.pop("use_safetensors", None)
    return AutoTokenizer.from_pretrained(kwargs.pop("folder"), **kwargs)


def load_causal_config(files: ModelFiles, what: str = "model"):
    """The model's configuration without its weights (a GGUF file's from its metadata).

    What a scorer's description needs (its length limit) before any worker loads the weights,
    as the Ray engine's probe does.
    """
    load_transformers("AutoConfig")
    from transformers import AutoConfig

    kwargs = _load_kwargs(files)
    kwargs.pop("use_safetensors", None)
    try:
        return AutoConfig.from_pretrained(kwargs.pop("folder"), **kwargs)
    except (OSError, ValueError, KeyError, RuntimeError, ImportError) as exc:
        raise ModelLoadError(
            f"cannot read the {what}'s configuration {files.path}: {exc}"
        ) from None


def load_causal_lm(
    files: ModelFiles, device: str = "auto", dtype: str = "auto", what: str = "model"
) -> tuple:
    """(tokenizer, model in eval mode on the device, torch device, torch dtype).

    Never runs code from the model; any loading failure is one :class:`ModelLoadError` line.
    """
    load_transformers("AutoModelForCausalLM")
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    kwargs = _load_kwargs(files)
    folder = kwargs.pop("folder")
    if kwargs.get("use_safetensors") is None:
        kwargs.pop("use_safetensors")
    try:
        tokenizer = load_causal_tokenizer(files)
        # with output_loading_info it returns (model, info); transformers' stubs do not say so
        loaded: Any = AutoModelForCausalLM.from_pretrained(
            folder, dtype=torch_dtype, output_loading_info=True, **kwargs
        )
        model, info = loaded
    except (OSError, ValueError, KeyError, RuntimeError, ImportError, SafetensorError) as exc:
        raise ModelLoadError(f"cannot load the {what} {files.path}: {exc}") from None
    refuse_missing_weights(info, files, model, what)
    model.to(torch_device).eval()
    return tokenizer, model, torch_device, torch_dtype


class CausalLM(LoadedModel):
    """A causal LM loaded by :func:`load_causal_lm`; subclasses name what it is for errors."""

    #: How a loading error names the model ("judge model", "IFD model").
    what: ClassVar[str] = "model"

    @classmethod
    def load(cls, files: ModelFiles, device: str = "auto", dtype: str = "auto") -> Self:
        """Load tokenizer and weights onto ``device`` (never running code from the model)."""
        tokenizer, model, torch_device, torch_dtype = load_causal_lm(
            files, device, dtype, what=cls.what
        )
        return cls(files, tokenizer, model, torch_device, torch_dtype)
