"""IFD fixtures: tiny random causal LMs built from a config (with and without a chat template)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.judge.conftest import smollm2_gguf  # noqa: F401  (the real GGUF model fixture)
from tests.judge.models import build_causal_lm


def build_gpt2(folder: Path, texts: list[str]) -> Path:
    """A 2-layer random GPT-2 with no chat template (IFD's plain-text path)."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    source = build_causal_lm(folder.with_name(folder.name + "-tokenizer"), texts)
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.chat_template = None
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=32, n_layer=2, n_head=4,
                        n_positions=512, bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id)
    import torch

    torch.manual_seed(3)
    GPT2LMHeadModel(config).eval().save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory, sample) -> Path:
    """A tiny random Llama with a chat template."""
    return build_causal_lm(tmp_path_factory.mktemp("ifd-llama"),
                           sample.prompts + sample.responses, seed=4)


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory, sample) -> Path:
    """A tiny random GPT-2 without a chat template."""
    return build_gpt2(tmp_path_factory.mktemp("ifd-root") / "gpt2",
                      sample.prompts + sample.responses)
