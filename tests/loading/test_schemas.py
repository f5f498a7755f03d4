"""Schemas are detected from the records and normalised to prompt/response pairs."""

import orjson
import pytest

from core.errors import LoadError
from core.loading import load
from core.schemas import ColumnMapping


def jsonl(*records) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


@pytest.mark.parametrize(
    "keys",
    [
        ("prompt", "response"),
        ("question", "answer"),
        ("query", "response"),
        ("prompt", "completion"),
    ],
)
def test_prompt_response_style_keys(write, keys):
    p, r = keys
    dataset = load(write("a.jsonl", jsonl({p: "Q1", r: "A1"}, {p: "Q2", r: "A2"})))
    assert dataset.schema == "prompt_response"
    assert (list(dataset.prompts), list(dataset.responses)) == (["Q1", "Q2"], ["A1", "A2"])


def test_alpaca_joins_instruction_and_input_with_a_blank_line(write):
    dataset = load(
        write(
            "a.jsonl",
            jsonl(
                {"instruction": "Translate.", "input": "Bonjour", "output": "Hello"},
                {"instruction": "Say hi.", "input": "", "output": "Hi"},
            ),
        )
    )
    assert dataset.schema == "alpaca"
    assert list(dataset.prompts) == ["Translate.\n\nBonjour", "Say hi."]
    assert list(dataset.responses) == ["Hello", "Hi"]


def test_openai_messages_response_is_last_assistant_turn(write):
    record = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": [{"type": "text", "text": "4"}]},
        ]
    }
    dataset = load(write("a.jsonl", jsonl(record)))
    assert dataset.schema == "openai_messages"
    assert list(dataset.responses) == ["4"]
    assert list(dataset.prompts) == [
        "system: Be brief.\n\nuser: Hi\n\nassistant: Hello!\n\nuser: 2+2?"
    ]
    assert dataset.turns[0] == 5
    turns = dataset.conversation(0)
    assert [t.role for t in turns] == ["system", "user", "assistant", "user", "assistant"]
    assert turns[-1].is_response and not turns[-2].is_response


def test_sharegpt_conversations(write):
    record = {
        "conversations": [
            {"from": "human", "value": "Why is the sky blue?"},
            {"from": "gpt", "value": "Rayleigh scattering."},
        ]
    }
    dataset = load(write("a.jsonl", jsonl(record)))
    assert dataset.schema == "sharegpt"
    assert (list(dataset.prompts), list(dataset.responses)) == (
        ["Why is the sky blue?"],
        ["Rayleigh scattering."],
    )


def test_chat_without_assistant_turn_is_a_bad_line(write):
    good = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    bad = {"messages": [{"role": "user", "content": "only a question"}]}
    dataset = load(write("a.jsonl", jsonl(good, bad)))
    assert len(dataset) == 1
    assert [(b.line, b.reason) for b in dataset.bad_lines] == [
        (2, "no assistant turn in 'messages'")
    ]


def test_mixed_schemas_are_normalised_per_row(write):
    rows = [{"prompt": f"p{i}", "response": f"r{i}"} for i in range(5)]
    rows.insert(
        3, {"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]}
    )
    dataset = load(write("a.jsonl", jsonl(*rows)))
    assert len(dataset) == 6 and dataset.bad_lines == []
    assert dataset.responses[3] == "a"
    assert dataset.schema_counts() == {"prompt_response": 5, "openai_messages": 1}


def test_a_field_that_changes_type_costs_only_its_row(write):
    rows = [{"prompt": f"p{i}", "response": f"r{i}"} for i in range(1200)]
    rows[1000]["response"] = {"text": "an object, not text"}
    dataset = load(write("a.jsonl", jsonl(*rows)))
    assert len(dataset) == 1199
    assert [(b.line, b.reason) for b in dataset.bad_lines] == [
        (1001, "field 'response' is an object, not text")
    ]


def test_empty_response_is_a_record_not_a_bad_line(write):
    dataset = load(write("a.jsonl", jsonl({"prompt": "p", "response": ""})))
    assert len(dataset) == 1 and list(dataset.responses) == [""]


def test_prompt_only_file_opens_and_says_it_cannot_be_scored(shared_data):
    dataset = load(shared_data / "koala_test_set.jsonl")
    assert dataset.prompt_only and len(dataset) == 180
    assert any("cannot be scored" in note for note in dataset.notes)
    vicuna = load(shared_data / "vicuna_test_set.jsonl")
    assert vicuna.prompt_only and vicuna.prompts[0].startswith("How can I improve")


def test_self_instruct_seed_tasks_give_one_pair_per_instance(shared_data):
    dataset = load(shared_data / "seed_tasks.jsonl")
    assert dataset.schema == "alpaca" and len(dataset) == 175 and not dataset.bad_lines
    first = orjson.loads((shared_data / "seed_tasks.jsonl").read_bytes().split(b"\n")[0])
    assert dataset.responses[0] == first["instances"][0]["output"]
    assert dataset.record(0) == first


def test_gsm8k_json_array(shared_data):
    dataset = load(shared_data / "gsm_8k_train.json")
    assert (dataset.format, dataset.schema, len(dataset)) == ("json", "alpaca", 7473)
    assert dataset.responses[0].startswith("Natalia sold 48/2 = 24 clips in May.")


def test_unknown_keys_need_a_mapping_and_the_error_lists_the_keys(write):
    path = write("a.jsonl", jsonl({"ask": "q", "reply": "a"}))
    with pytest.raises(LoadError, match="keys seen: ask, reply"):
        load(path)
    dataset = load(path, ColumnMapping(("ask",), "reply"))
    assert dataset.schema == "mapped"
    assert (list(dataset.prompts), list(dataset.responses)) == (["q"], ["a"])


def test_mapping_that_names_absent_fields_is_refused(write):
    path = write("a.jsonl", jsonl({"ask": "q", "reply": "a"}))
    with pytest.raises(LoadError, match="no record has: answer"):
        load(path, ColumnMapping(("ask",), "answer"))


def test_mapping_with_two_prompt_fields(write):
    path = write("a.csv", "title,body,out\nT,B,O\n")
    dataset = load(path, ColumnMapping(("title", "body"), "out"))
    assert list(dataset.prompts) == ["T\n\nB"]
