"""Turning records into the exact token sequences a reward model was trained on.

Three input formats:

``pair``
    ``tokenizer(prompt, response)``: the text-pair encoding the OpenAssistant DeBERTa reward
    models document (``[CLS] prompt [SEP] response [SEP]``, token types 0 then 1).
``chat``
    The tokenizer's chat template over the record's user/assistant turns (full history).
``template``
    A user string with ``{prompt}`` and ``{response}``, e.g. :data:`SEED_TEMPLATE` for the
    OpenAssistant Pythia reward models.

Truncation always keeps the response: the prompt is cut from its start first (a chat's oldest
turns go first), and only a response that alone exceeds the budget is cut, from its end. Every
row that lost a token is flagged. Pieces are tokenised separately with the Rust tokenizer and
joined, so the prompt can be cut without re-tokenising; special tokens come from the tokenizer's
own post-processor, exactly as ``tokenizer(...)`` would add them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tokenizers import Encoding, Tokenizer

from core.errors import ThresherError
from core.schemas import Turn

FORMATS = ("pair", "chat", "template")
SEED_TEMPLATE = "<|prompter|>{prompt}<|endoftext|><|assistant|>{response}<|endoftext|>"
_CHAT_ROLES = {"system", "user", "assistant"}
#: Texts per ``encode_batch`` call. The Rust tokenizer holds the GIL for a whole call (about
#: 7 µs per GSM8K text), so long calls would stall the GUI thread; 512 keeps each under ~5 ms.
ENCODE_CHUNK = 512


class EncodingSetupError(ThresherError):
    """The chosen format cannot be used with this tokenizer or template."""


@dataclass(frozen=True)
class EncodedRows:
    """Token ids for a list of rows; ``errors[i]`` says why row i could not be encoded."""

    ids: list[list[int]]
    type_ids: list[list[int]] | None
    truncated: np.ndarray
    errors: list[str | None]

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per row (0 for rows that could not be encoded)."""
        return np.fromiter(map(len, self.ids), dtype=np.int64, count=len(self.ids))


def chat_messages(turns: Sequence[Turn], prompt: str, response: str) -> list[dict]:
    """The messages a chat template gets: the record's turns, or user/assistant for a pair."""
    if len(turns) >= 2 and all(t.role in _CHAT_ROLES for t in turns) and turns[-1].is_response:
        return [{"role": t.role, "content": t.text} for t in turns]
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]


def split_template(template: str) -> tuple[str, str, str]:
    """``head{prompt}mid{response}tail`` -> (head, mid, tail), or a clear error."""
    if template.count("{prompt}") != 1 or template.count("{response}") != 1:
        raise EncodingSetupError(
            "the template must contain {prompt} and {response} exactly once each, e.g. "
            + SEED_TEMPLATE
        )
    head, rest = template.split("{prompt}")
    if "{response}" not in rest:
        raise EncodingSetupError("the template must put {prompt} before {response}")
    mid, tail = rest.split("{response}")
    return head, mid, tail


class Encoder:
    """Encodes rows for one tokenizer, format and maximum length."""

    def __init__(self, tokenizer, fmt: str, max_length: int, template: str | None = None):
        if fmt not in FORMATS:
            raise EncodingSetupError(f"unknown input format {fmt!r}: use {', '.join(FORMATS)}")
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise EncodingSetupError(
                f"the model's tokenizer ({type(tokenizer).__name__}) has no fast (Rust) "
                "version, which Thresher needs to truncate prompts exactly"
            )
        # A private copy: the tokenizer's own truncation and padding settings must not apply.
        self._backend = Tokenizer.from_str(backend.to_str())
        self._backend.no_truncation()
        self._backend.no_padding()
        self._tokenizer = tokenizer
        self.format = fmt
        self.max_length = max_length
        self.template = template
        self.uses_token_types = "token_type_ids" in getattr(tokenizer, "model_input_names", ())
        if fmt == "chat" and not getattr(tokenizer, "chat_template", None):
            raise EncodingSetupError(
                "the model's tokenizer has no chat template; use the pair or template format"
            )
        if fmt == "template":
            if template is None:
                raise EncodingSetupError("the template format needs a template string")
            head, mid, tail = split_template(template)
            self._pieces = [self._encode_one(p) for p in (head, mid, tail)]
            fixed = sum(len(p.ids) for p in self._pieces) + self._backend.num_special_tokens_to_add(
                False
            )
        elif fmt == "pair":
            fixed = self._backend.num_special_tokens_to_add(True)
        else:
            fixed = 0
        self._budget = max_length - fixed
        if self._budget < 1:
            raise EncodingSetupError(f"max length {max_length} leaves no room for text")

    def _encode_one(self, text: str) -> Encoding:
        return self._backend.encode(text, add_special_tokens=False)

    def encode(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        messages: Sequence[list[dict]] | None = None,
    ) -> EncodedRows:
        """Encode aligned rows; ``messages`` is needed for the chat format."""
        errors: list[str | None] = [None] * len(prompts)
        if self.format == "chat":
            prompts, responses = self._render_chats(messages, errors)
        firsts = self._encode_many(prompts)
        seconds = self._encode_many(responses)
        truncated = np.zeros(len(prompts), dtype=bool)
        ids: list[list[int]] = []
        type_ids: list[list[int]] | None = [] if self.uses_token_types else None
        for row, (first, second) in enumerate(zip(firsts, seconds, strict=True)):
            if errors[row] is not None:
                ids.append([])
                if type_ids is not None:
                    type_ids.append([])
                continue
            truncated[row] = self._fit(first, second)
            final = self._join(first, second)
            ids.append(final.ids)
            if type_ids is not None:
                type_ids.append(final.type_ids)
        return EncodedRows(ids, type_ids, truncated, errors)

    def _encode_many(self, texts: Sequence[str]) -> list[Encoding]:
        encodings: list[Encoding] = []
        for start in range(0, len(texts), ENCODE_CHUNK):
            encodings += self._backend.encode_batch(
                list(texts[start : start + ENCODE_CHUNK]), add_special_tokens=False
            )
        return encodings

    def _fit(self, first: Encoding, second: Encoding) -> bool:
        """Cut ``first`` from its start, then ``second`` from its end, to fit the budget."""
        n_first, n_second = len(first.ids), len(second.ids)
        if n_first + n_second <= self._budget:
            return False
        keep_second = min(n_second, self._budget)
        keep_first = self._budget - keep_second
        if keep_first < n_first:
            first.truncate(keep_first, direction="left")
        if keep_second < n_second:
            second.truncate(keep_second, direction="right")
        return True

    def _join(self, first: Encoding, second: Encoding) -> Encoding:
        if self.format == "pair":
            return self._backend.post_process(first, second, add_special_tokens=True)
        if self.format == "template":
            head, mid, tail = self._pieces
            merged = Encoding.merge([head, first, mid, second, tail], growing_offsets=True)
            return self._backend.post_process(merged, None, add_special_tokens=True)
        return Encoding.merge([first, second], growing_offsets=True)

    def _render_chats(
        self, messages: Sequence[list[dict]] | None, errors: list[str | None]
    ) -> tuple[list[str], list[str]]:
        """Each chat as (history with the generation prompt, the final answer and its end)."""
        if messages is None:
            raise EncodingSetupError("the chat format needs each record's messages")
        heads, tails = [], []
        for row, chat in enumerate(messages):
            try:
                head, tail = render_chat(self._tokenizer, chat)
            except Exception as exc:  # a template may raise anything
                errors[row] = f"chat template failed: {exc}"
                head, tail = "", ""
            heads.append(head)
            tails.append(tail)
        return heads, tails


def render_chat(tokenizer, chat: list[dict]) -> tuple[str, str]:
    """A chat as (history with the generation prompt, the final answer and its end).

    When the template renders the history differently inside the whole chat (the head is not
    a prefix of it), the head is empty and the whole text is the tail. A template may raise
    anything; the caller reports it for the row.
    """
    full = tokenizer.apply_chat_template(chat, tokenize=False)
    head = tokenizer.apply_chat_template(chat[:-1], tokenize=False, add_generation_prompt=True)
    if not full.startswith(head):
        head = ""
    return head, full[len(head) :]
