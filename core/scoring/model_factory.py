"""Build small DeBERTa-v2 reward models from a config, for self-tests and benchmarks.

Nothing here stands in for a user's model: these are real ``transformers`` models with a real
tokenizer (trained on the fly with ``tokenizers``), saved with ``save_pretrained`` so they load
through exactly the path a downloaded model takes. Machines without hub access use them to
exercise and time the scoring engine; the weights are random, so the scores mean nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from core.transformers_import import load_transformers

#: Shapes by name: ``tiny`` for tests, ``deberta-v3-large`` matches the default reward model.
SHAPES = {
    "tiny": {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
    },
    "small": {
        "hidden_size": 256,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "intermediate_size": 1024,
    },
    "deberta-v3-large": {
        "hidden_size": 1024,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "intermediate_size": 4096,
    },
}
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SIMPLE_CHAT_TEMPLATE = (
    "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}[assistant] {% endif %}"
)


def train_tokenizer(
    texts: Iterable[str],
    vocab_size: int = 2000,
    max_length: int = 512,
    chat_template: str | None = None,
):
    """A WordPiece tokenizer with BERT-style pair post-processing, trained on ``texts``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import WordPieceTrainer

    load_transformers("PreTrainedTokenizerFast")
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    core.normalizer = normalizers.BertNormalizer(lowercase=True)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.train_from_iterator(
        texts,
        WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False),
    )
    cls_id, sep_id = core.token_to_id("[CLS]"), core.token_to_id("[SEP]")
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    core.decoder = decoders.WordPiece()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
    )
    if chat_template:
        tokenizer.chat_template = chat_template
    return tokenizer


def build_reward_model(
    folder: str | Path,
    texts: Iterable[str],
    shape: str = "tiny",
    num_labels: int = 1,
    max_length: int = 512,
    seed: int = 0,
    chat_template: str | None = None,
    vocab_size: int = 2000,
) -> Path:
    """Save a randomly initialised DeBERTa-v2 reward model and its tokenizer in ``folder``."""
    load_transformers("DebertaV2Config", "DebertaV2ForSequenceClassification")
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder = Path(folder)
    tokenizer = train_tokenizer(texts, vocab_size, max_length, chat_template)
    # DeBERTa-v3's own settings; some are read by the model but not declared by the config class.
    options: dict[str, Any] = dict(
        vocab_size=len(tokenizer),
        max_position_embeddings=max_length,
        num_labels=num_labels,
        pad_token_id=tokenizer.pad_token_id,
        relative_attention=True,
        pos_att_type=["p2c", "c2p"],
        position_biased_input=False,
        max_relative_positions=-1,
        position_buckets=256,
        share_att_key=True,
        norm_rel_ebd="layer_norm",
        type_vocab_size=0,
        **SHAPES[shape],
    )
    config = DebertaV2Config(**options)
    torch.manual_seed(seed)
    model = DebertaV2ForSequenceClassification(config).eval()
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder
