"""Input formats: the exact sequences a reward model sees, and truncation that keeps the answer."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from core.schemas import Turn
from core.scoring.encoding import Encoder, EncodingSetupError, chat_messages


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    return AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)


@pytest.fixture(scope="module")
def chat_tokenizer(chat_model):
    return AutoTokenizer.from_pretrained(chat_model, local_files_only=True)


def words(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def test_pair_format_is_the_tokenizers_own_text_pair_encoding(tokenizer):
    prompt, response = "How many apples are left?", "There are 4 apples left."
    encoded = Encoder(tokenizer, "pair", 256).encode([prompt], [response])
    assert encoded.ids[0] == tokenizer(prompt, response)["input_ids"]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    assert encoded.ids[0] == [cls, *words(tokenizer, prompt), sep, *words(tokenizer, response), sep]
    assert not encoded.truncated[0]


def test_truncation_cuts_the_prompt_from_its_start_and_keeps_the_response(tokenizer):
    prompt = " ".join(f"step {i} of the long question" for i in range(100))
    response = "The final answer is 42."
    encoded = Encoder(tokenizer, "pair", 64).encode([prompt, "short"], [response, response])
    ids = encoded.ids[0]
    assert len(ids) == 64 and encoded.truncated.tolist() == [True, False]
    answer = words(tokenizer, response)
    assert ids[-len(answer) - 1 : -1] == answer  # the whole response survives
    kept_prompt = ids[1 : -len(answer) - 2]
    assert kept_prompt == words(tokenizer, prompt)[-len(kept_prompt) :]  # the prompt's end


def test_a_response_longer_than_the_limit_keeps_its_start(tokenizer):
    response = " ".join(f"sentence number {i}" for i in range(200))
    encoded = Encoder(tokenizer, "pair", 32).encode(["question?"], [response])
    ids = encoded.ids[0]
    assert len(ids) == 32 and encoded.truncated[0]
    assert ids[2:-1] == words(tokenizer, response)[:29]  # [CLS] [SEP] … [SEP], no prompt left


def test_template_format_wraps_the_pair_in_the_template(tokenizer):
    template = "question: {prompt} answer: {response} end"
    encoder = Encoder(tokenizer, "template", 256, template)
    encoded = encoder.encode(["two plus two"], ["four"])
    assert encoded.ids[0] == tokenizer("question: two plus two answer: four end")["input_ids"]


def test_template_truncation_keeps_the_template_and_the_response(tokenizer):
    encoder = Encoder(tokenizer, "template", 24, "question: {prompt} answer: {response} end")
    encoded = encoder.encode(["word " * 100], ["the answer is four"])
    text = tokenizer.decode(encoded.ids[0], skip_special_tokens=True)
    assert encoded.truncated[0] and len(encoded.ids[0]) == 24
    assert text.startswith("question : word") and text.endswith("answer : the answer is four end")


@pytest.mark.parametrize(
    "template", ["{prompt} only", "{response} {prompt}", "{prompt}{prompt}{response}"]
)
def test_a_bad_template_is_refused_with_a_reason(tokenizer, template):
    with pytest.raises(EncodingSetupError, match="template"):
        Encoder(tokenizer, "template", 64, template)


def test_chat_format_renders_the_full_history_with_the_tokenizers_template(chat_tokenizer):
    turns = [
        Turn("system", "Be brief."),
        Turn("user", "Hi"),
        Turn("assistant", "Hello!"),
        Turn("user", "What is 2+2?"),
        Turn("assistant", "4", True),
    ]
    messages = chat_messages(turns, "ignored", "ignored")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant"]
    encoded = Encoder(chat_tokenizer, "chat", 256).encode(["-"], ["-"], [messages])
    expected = chat_tokenizer.apply_chat_template(messages, tokenize=False)
    assert encoded.ids[0] == words(chat_tokenizer, expected)
    assert "be brief" in chat_tokenizer.decode(encoded.ids[0])


def test_chat_truncation_drops_the_oldest_turns_first(chat_tokenizer):
    messages = [
        {"role": "user", "content": "old context " * 80},
        {"role": "assistant", "content": "noted"},
        {"role": "user", "content": "And now?"},
        {"role": "assistant", "content": "Now the answer."},
    ]
    encoded = Encoder(chat_tokenizer, "chat", 40).encode(["-"], ["-"], [messages])
    text = chat_tokenizer.decode(encoded.ids[0])
    assert encoded.truncated[0] and len(encoded.ids[0]) == 40
    assert text.endswith("now the answer.") and "and now?" in text


def test_a_pair_record_becomes_a_user_and_an_assistant_message():
    turns = [Turn("instruction", "Add"), Turn("output", "5", True)]
    assert chat_messages(turns, "Add", "5") == [
        {"role": "user", "content": "Add"},
        {"role": "assistant", "content": "5"},
    ]


def test_chat_format_needs_a_chat_template(tokenizer):
    with pytest.raises(EncodingSetupError, match="no chat template"):
        Encoder(tokenizer, "chat", 64)


def test_a_row_the_chat_template_rejects_is_reported_not_raised(chat_model):
    strict = AutoTokenizer.from_pretrained(chat_model, local_files_only=True)
    strict.chat_template = (
        "{% for m in messages %}{% if m['role'] not in ['user', 'assistant'] %}"
        "{{ raise_exception('unknown role ' + m['role']) }}{% endif %}"
        "{{ m['content'] }}{% endfor %}"
    )
    bad = [{"role": "narrator", "content": "x"}, {"role": "assistant", "content": "y"}]
    good = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]
    encoded = Encoder(strict, "chat", 64).encode(["-", "-"], ["-", "-"], [bad, good])
    assert "unknown role narrator" in encoded.errors[0] and encoded.errors[1] is None
    assert encoded.ids[0] == [] and encoded.ids[1]
