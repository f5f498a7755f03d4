"""A tiny random GPT-2 without a chat template: IFD's plain-text path (tests and benchmarks)."""

from __future__ import annotations

from pathlib import Path

from tests.judge.models import build_causal_lm


def build_gpt2(folder: Path, texts: list[str], width: int = 32, layers: int = 2) -> Path:
    """A random GPT-2 (``layers`` blocks, ``width`` wide) with no chat template."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    source = build_causal_lm(folder.with_name(folder.name + "-tokenizer"), texts)
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.chat_template = None
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=width,
        n_layer=layers,
        n_head=4,
        n_positions=512,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    import torch

    torch.manual_seed(3)
    GPT2LMHeadModel(config).eval().save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder
