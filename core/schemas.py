"""Recognise a dataset's schema and normalise each record to a (prompt, response) pair.

Supported layouts:

* ``prompt_response``: one prompt-like and one response-like key (``prompt``/``response``,
  ``question``/``answer``, ``query``/``response``, ...). A file with only prompt-like keys is
  *prompt-only*: it opens, but cannot be scored.
* ``alpaca``: ``instruction`` / ``input`` / ``output``; the prompt is the instruction, followed by
  a blank line and the input when the input is not empty. The self-instruct seed layout
  (``instruction`` + ``instances: [{input, output}]``) gives one pair per instance.
* ``openai_messages`` (``messages`` of ``role``/``content``) and ``sharegpt`` (``conversations`` of
  ``from``/``value``): the response is the last assistant turn, the prompt everything before it.
* ``mapped``: fields chosen by the user (:class:`ColumnMapping`).

Normalisers raise :class:`RowError` for a record they cannot use; the loader turns that into a
bad-line entry, so one odd record never costs the rest of the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

SCHEMA_NAMES = ("prompt_response", "alpaca", "openai_messages", "sharegpt", "mapped")
PROMPT_RESPONSE, ALPACA, OPENAI, SHAREGPT, MAPPED = range(len(SCHEMA_NAMES))

#: Prompt-like / response-like key pairs, most specific first.
PAIR_KEYS: tuple[tuple[str, str], ...] = (
    ("prompt", "response"),
    ("prompt", "completion"),
    ("prompt", "chosen"),
    ("prompt", "answer"),
    ("prompt", "output"),
    ("question", "answer"),
    ("question", "response"),
    ("query", "response"),
    ("query", "answer"),
    ("instruction", "response"),
    ("input", "output"),
    ("input", "response"),
    ("input", "target"),
    ("source", "target"),
    ("context", "response"),
    ("human", "assistant"),
    ("user", "assistant"),
)
#: Keys that hold a prompt when a file has no responses at all (evaluation prompt sets).
PROMPT_ONLY_KEYS = ("prompt", "question", "query", "instruction", "text", "input")

USER_ROLES = {"user", "human", "prompter"}
ASSISTANT_ROLES = {"assistant", "gpt", "model", "bot", "chatgpt", "bard", "bing", "claude"}
ROLE_NAMES = {
    "human": "user",
    "prompter": "user",
    "gpt": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "claude": "assistant",
}

#: How many records schema detection looks at.
DETECTION_SAMPLE = 1000


class RowError(ValueError):
    """A record cannot be normalised; the message is the reason shown to the curator."""


class SchemaError(ValueError):
    """No schema fits the file's records; the message says what was seen and what to do."""


class Turn(NamedTuple):
    """One labelled piece of a record for display (a chat turn or a named field)."""

    role: str
    text: str
    is_response: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    """A user's choice of fields, for files whose keys are not recognised.

    ``prompt_fields`` are joined with a blank line (like Alpaca's instruction and input).
    ``messages_field`` names a list of chat turns instead. ``response_field`` may be ``None``
    for a prompt-only file.
    """

    prompt_fields: tuple[str, ...] = ()
    response_field: str | None = None
    messages_field: str | None = None

    def __post_init__(self) -> None:
        if not self.prompt_fields and not self.messages_field:
            raise ValueError("a column mapping needs a prompt field or a messages field")


@dataclass(frozen=True)
class SchemaSpec:
    """The schema chosen for a file and the keys it uses."""

    name: str
    prompt_keys: tuple[str, ...] = ()
    response_key: str | None = None
    messages_key: str | None = None
    prompt_only: bool = False
    instances: bool = False

    @property
    def code(self) -> int:
        """The schema's index in :data:`SCHEMA_NAMES`."""
        return SCHEMA_NAMES.index(self.name)

    def describe(self) -> str:
        """A one-line human description, e.g. ``alpaca (instruction/input -> output)``."""
        if self.messages_key:
            fields = f"{self.messages_key}[]"
        else:
            fields = "/".join(self.prompt_keys) + " -> " + (self.response_key or "(no response)")
        return f"{self.name} ({fields})"


# ----------------------------------------------------------------------------------------------
# Field access


def _text(record: dict, key: str) -> str:
    """The text of ``record[key]``; numbers become text, anything else is a row error."""
    value = record.get(key, _MISSING)
    if type(value) is str:
        return value
    if value is _MISSING:
        raise RowError(f"missing field '{key}'")
    if value is None:
        raise RowError(f"field '{key}' is null")
    if isinstance(value, bool):
        raise RowError(f"field '{key}' is a boolean, not text")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise RowError(f"field '{key}' is NaN")
        if math.isinf(value):
            raise RowError(f"field '{key}' is infinite")
        return repr(value)
    raise RowError(f"field '{key}' is {_kind(value)}, not text")


def _optional_text(record: dict, key: str) -> str:
    """Like :func:`_text`, but a missing or null field is empty."""
    value = record.get(key)
    if value is None or type(value) is str:
        return value or ""
    return _text(record, key)


def _kind(value: object) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "a list"}
    return kinds.get(type(value), f"a {type(value).__name__}")


_MISSING = object()


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(p for p in parts if p)


# ----------------------------------------------------------------------------------------------
# Chat turns


def _content_text(content: object, where: str) -> str:
    """Text of a chat message's content: a string, or a list of ``{type: text, text}`` parts."""
    if type(content) is str:
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
        return "\n".join(texts)
    raise RowError(f"{where} content is {_kind(content)}, not text")


def chat_turns(record: dict, key: str) -> list[Turn]:
    """Every turn of a chat record with roles normalised to system/user/assistant."""
    messages = record.get(key, _MISSING)
    if messages is _MISSING:
        raise RowError(f"missing field '{key}'")
    if not isinstance(messages, list):
        raise RowError(f"field '{key}' is {_kind(messages)}, not a list of messages")
    turns = []
    for i, message in enumerate(messages, 1):
        if not isinstance(message, dict):
            raise RowError(f"{key}[{i}] is {_kind(message)}, not a message object")
        role = message.get("role", message.get("from"))
        if not isinstance(role, str):
            raise RowError(f"{key}[{i}] has no role ('role' or 'from')")
        content = message["content"] if "content" in message else message.get("value")
        role = role.strip().lower()
        turns.append(Turn(ROLE_NAMES.get(role, role), _content_text(content, f"{key}[{i}]")))
    return turns


def _last_assistant(turns: list[Turn]) -> int:
    for i in range(len(turns) - 1, -1, -1):
        if turns[i].role == "assistant":
            return i
    return -1


def render_turns(turns: list[Turn]) -> str:
    """A prompt string from turns: the bare text for one user turn, else role-labelled turns."""
    if len(turns) == 1 and turns[0].role == "user":
        return turns[0].text
    return "\n\n".join(f"{t.role}: {t.text}" for t in turns)


# ----------------------------------------------------------------------------------------------
# Normalisers: record -> (prompt, response, turns)

Normaliser = Callable[[dict], tuple[str, str, int]]


def _pair_normaliser(prompt_keys: tuple[str, ...], response_key: str | None) -> Normaliser:
    if len(prompt_keys) == 1:
        (pkey,) = prompt_keys

        def normalise(record: dict) -> tuple[str, str, int]:
            response = _text(record, response_key) if response_key else ""
            return _text(record, pkey), response, 1
    else:

        def normalise(record: dict) -> tuple[str, str, int]:
            first = _text(record, prompt_keys[0])
            prompt = _join([first, *(_optional_text(record, k) for k in prompt_keys[1:])])
            response = _text(record, response_key) if response_key else ""
            return prompt, response, 1

    return normalise


def _alpaca(record: dict) -> tuple[str, str, int]:
    instruction, extra, output = (
        record.get("instruction"),
        record.get("input"),
        record.get("output"),
    )
    if type(instruction) is str and type(output) is str and (extra is None or type(extra) is str):
        return (instruction + "\n\n" + extra if extra else instruction), output, 1
    instruction = _text(record, "instruction")
    extra = record.get("input")
    if extra is not None and type(extra) is not str:
        extra = _text(record, "input")
    prompt = instruction + "\n\n" + extra if extra else instruction
    return prompt, _text(record, "output"), 1


def _chat_normaliser(key: str, prompt_only: bool) -> Normaliser:
    def normalise(record: dict) -> tuple[str, str, int]:
        turns = chat_turns(record, key)
        last = _last_assistant(turns)
        if last < 0:
            if prompt_only and turns:
                return render_turns(turns), "", len(turns)
            raise RowError(f"no assistant turn in '{key}'")
        return render_turns(turns[:last]), turns[last].text, last + 1

    return normalise


def normaliser(spec: SchemaSpec) -> Normaliser:
    """The function that turns one record into ``(prompt, response, turns)`` for ``spec``."""
    if spec.messages_key:
        return _chat_normaliser(spec.messages_key, spec.prompt_only)
    if spec.name == "alpaca":
        return _alpaca
    return _pair_normaliser(spec.prompt_keys, spec.response_key)


def fallback_normaliser(record: dict) -> tuple[tuple[str, str, int], int] | None:
    """Normalise a record that does not fit the file's main schema, for mixed files.

    Returns the pair and the schema code that matched, or ``None``.
    """
    for spec in _specs_matching(record):
        try:
            return normaliser(spec)(record), spec.code
        except RowError:
            continue
    return None


def expand_instances(record: dict) -> list[tuple[dict, dict]]:
    """Split a self-instruct record into (Alpaca record, record with one instance) pairs."""
    instances = record.get("instances")
    if not isinstance(instances, list) or not instances:
        raise RowError("field 'instances' is not a non-empty list")
    out = []
    for i, instance in enumerate(instances, 1):
        if not isinstance(instance, dict):
            raise RowError(f"instances[{i}] is {_kind(instance)}, not an object")
        flat = {
            "instruction": record.get("instruction"),
            "input": instance.get("input"),
            "output": instance.get("output", _MISSING),
        }
        if flat["output"] is _MISSING:
            raise RowError(f"instances[{i}] has no 'output'")
        out.append((flat, {**record, "instances": [instance]}))
    return out


# ----------------------------------------------------------------------------------------------
# Detection


def _specs_matching(record: dict) -> list[SchemaSpec]:
    """Schemas whose keys a record has (with a response), most specific first."""
    specs = []
    if "messages" in record:
        specs.append(SchemaSpec("openai_messages", messages_key="messages"))
    if "conversations" in record:
        specs.append(SchemaSpec("sharegpt", messages_key="conversations"))
    if "instruction" in record and "output" in record:
        specs.append(SchemaSpec("alpaca", ("instruction", "input"), "output"))
    if "instruction" in record and "instances" in record:
        specs.append(SchemaSpec("alpaca", ("instruction", "input"), "output", instances=True))
    for prompt_key, response_key in PAIR_KEYS:
        if prompt_key in record and response_key in record:
            specs.append(SchemaSpec("prompt_response", (prompt_key,), response_key))
    return specs


def detect(sample: list[dict]) -> SchemaSpec:
    """Pick the schema that fits most of the sampled records.

    Raises :class:`SchemaError` naming the keys seen when nothing fits.
    """
    votes: dict[SchemaSpec, int] = {}
    for record in sample:
        for spec in _specs_matching(record):
            votes[spec] = votes.get(spec, 0) + 1
            break
    if votes:
        return max(votes, key=votes.__getitem__)
    chat_key = next((k for k in ("messages", "conversations") if any(k in r for r in sample)), None)
    if chat_key:
        name = "openai_messages" if chat_key == "messages" else "sharegpt"
        return SchemaSpec(name, messages_key=chat_key, prompt_only=True)
    for key in PROMPT_ONLY_KEYS:
        if sum(key in r for r in sample) * 2 > len(sample):
            return SchemaSpec("prompt_response", (key,), None, prompt_only=True)
    seen = sorted({k for r in sample for k in r})[:20]
    raise SchemaError(
        "no known schema fits these records (keys seen: " + (", ".join(seen) or "none") + "). "
        "Choose the prompt and response fields with a column mapping "
        "(File > Open with column mapping, or --prompt-field/--response-field)."
    )


def spec_for_mapping(mapping: ColumnMapping, sample: list[dict]) -> SchemaSpec:
    """The spec for a user's column mapping, checked against the sampled records."""
    wanted = [*mapping.prompt_fields, mapping.response_field, mapping.messages_field]
    seen = {k for r in sample for k in r}
    missing = [k for k in wanted if k and k not in seen]
    if missing and sample:
        raise SchemaError(
            "the column mapping names fields that no record has: "
            + ", ".join(missing)
            + " (fields seen: "
            + ", ".join(sorted(seen)[:20])
            + ")"
        )
    return SchemaSpec(
        "mapped",
        prompt_keys=tuple(mapping.prompt_fields),
        response_key=mapping.response_field,
        messages_key=mapping.messages_field,
        prompt_only=mapping.response_field is None and mapping.messages_field is None,
    )


# ----------------------------------------------------------------------------------------------
# Display


def conversation(record: dict, name: str, spec: SchemaSpec) -> list[Turn]:
    """Labelled pieces of a record for the detail pane, response last."""
    if name in ("openai_messages", "sharegpt") or (name == "mapped" and spec.messages_key):
        key = (
            spec.messages_key
            if name == spec.name
            else ("messages" if name == "openai_messages" else "conversations")
        )
        assert key is not None  # a chat schema (detected or mapped) always names its list
        turns = chat_turns(record, key)
        last = _last_assistant(turns)
        if last < 0:
            return turns
        return [*turns[:last], turns[last]._replace(is_response=True)]
    if name == "alpaca":
        if spec.instances and "instances" in record:
            record = {**record, **record["instances"][0]}
        turns = [Turn("instruction", _optional_text(record, "instruction"))]
        if _optional_text(record, "input"):
            turns.append(Turn("input", _optional_text(record, "input")))
        return [*turns, Turn("output", _optional_text(record, "output"), True)]
    own = spec if name == spec.name else _specs_matching(record)[0]
    keys, response_key = own.prompt_keys, own.response_key
    turns = [Turn(k, _optional_text(record, k)) for k in keys if _optional_text(record, k)]
    if response_key:
        turns.append(Turn(response_key, _optional_text(record, response_key), True))
    return turns
