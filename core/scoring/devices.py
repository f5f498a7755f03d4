"""Choosing where and in what precision a reward model runs.

torch is imported inside the functions: the choices are offered by ``--help`` and the app's
Scoring panel, which must not wait a second or more for torch before they can be shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import ThresherError

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")  # plus "cuda:N"
#: Precision names; ``auto`` is chosen by the device, the others are torch dtypes.
DTYPE_CHOICES = ("auto", "float32", "bfloat16", "float16")


class DeviceError(ThresherError):
    """The requested device or precision is not available on this machine."""


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple MPS, then the CPU."""
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise DeviceError(f"unknown device {name!r} ({exc})") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {name}: this torch build or machine has no CUDA GPU "
                f"(torch {torch.__version__})"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"device {name}: only {torch.cuda.device_count()} CUDA device(s)")
    elif device.type == "mps" and not _mps_available():
        raise DeviceError("device mps: Apple Metal is not available on this machine")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"device {name}: use auto, cpu, cuda, cuda:N or mps")
    return device


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto`` is bfloat16 on GPUs that have it, float16 on other GPUs, float32 on the CPU."""
    import torch

    if name not in DTYPE_CHOICES:
        raise DeviceError(f"unknown dtype {name!r}: use {', '.join(DTYPE_CHOICES)}")
    if name != "auto":
        return getattr(torch, name)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.bfloat16`` -> ``bfloat16``."""
    return str(dtype).removeprefix("torch.")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())
