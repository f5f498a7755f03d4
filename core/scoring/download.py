"""The one place Thresher touches the network: fetching a model into the Hugging Face cache.

Only what loading needs is fetched (safetensors weights, configs, tokenizer files); pickle
weights are never downloaded. The app runs this in a child process (``main.py download``) so a
download can be cancelled by ending the process and never blocks the window.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import ThresherError

#: Files a model needs to load with safetensors; ``*.bin``/``*.pt`` pickles are left out.
ALLOW_PATTERNS = [
    "*.safetensors",
    "*.safetensors.index.json",
    "*.json",
    "*.model",
    "*.txt",
    "*.jinja",
    "tokenizer*",
]


class DownloadError(ThresherError):
    """A model could not be fetched."""


def download_model(name: str, revision: str | None = None, tqdm_class=None) -> Path:
    """Fetch ``name`` into the local Hugging Face cache and return its snapshot folder."""
    from huggingface_hub import constants, snapshot_download

    if constants.HF_HUB_OFFLINE:
        raise DownloadError(
            f"cannot download {name}: offline mode is on (HF_HUB_OFFLINE=1 in the environment). "
            "Unset it to allow this download."
        )
    try:
        folder = snapshot_download(
            name, revision=revision, allow_patterns=ALLOW_PATTERNS, tqdm_class=tqdm_class
        )
    except Exception as exc:  # the hub client raises many kinds of network and HTTP errors
        raise DownloadError(
            f"cannot download {name} from {constants.ENDPOINT}: {type(exc).__name__}: {exc}"
        ) from None
    return Path(folder)
