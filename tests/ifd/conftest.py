"""IFD fixtures: tiny random causal LMs built from a config (with and without a chat template)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ifd.models import build_gpt2
from tests.judge.conftest import smollm2_gguf  # noqa: F401  (the real GGUF model fixture)
from tests.judge.models import build_causal_lm


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory, sample) -> Path:
    """A tiny random Llama with a chat template."""
    return build_causal_lm(
        tmp_path_factory.mktemp("ifd-llama"), sample.prompts + sample.responses, seed=4
    )


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory, sample) -> Path:
    """A tiny random GPT-2 without a chat template."""
    return build_gpt2(
        tmp_path_factory.mktemp("ifd-root") / "gpt2", sample.prompts + sample.responses
    )
