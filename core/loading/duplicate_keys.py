r"""Find JSON objects that repeat a key, which fast parsers resolve silently (the last one wins).

A record with a repeated key is ambiguous, so it is reported rather than guessed at. Checking
every record with a slow hook-based parse would cost more than the parse itself, so a cheap
count runs first. Every key written in JSON text is a string whose closing quote is followed by
optional whitespace and a colon, so the written keys are at most the *unescaped* quotes followed
by ``\s*:``. That count is one C-speed pass (the ``"\s*:`` matches) less the escaped ones:
a ``\"\s*:`` match whose quote follows an odd run of backslashes is text, not a key. What is
left over-counts only by strings that open with a colon (``": ..."``). Colons inside text
(``Human: hi``, ``{\"a\": 1}`` quoted in a prompt) no longer count, so real text rarely
reaches the exact, slow check: only when this count exceeds the keys the parsed value has.
"""

from __future__ import annotations

import json
import re

_KEY_END = re.compile(rb'"\s*:')
_ESCAPED_KEY_END = re.compile(rb'(\\)"\s*:')
_BACKSLASH = ord("\\")
_CONTAINERS = (dict, list)


def count_keys(value: object) -> int:
    """The number of object keys in a parsed JSON value, at any depth."""
    if type(value) is dict and not any(type(v) in _CONTAINERS for v in value.values()):
        return len(value)
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            total += len(item)
            stack.extend(v for v in item.values() if type(v) in _CONTAINERS)
        elif type(item) is list:
            stack.extend(v for v in item if type(v) in _CONTAINERS)
    return total


def key_ends(raw: bytes) -> int:
    """An upper bound on the keys written in ``raw`` (valid JSON text).

    Exact unless a string opens with a colon; see the module docstring.
    """
    ends = len(_KEY_END.findall(raw))
    for match in _ESCAPED_KEY_END.finditer(raw):
        # The quote is escaped when an odd run of backslashes stands before it.
        i = match.end(1) - 1
        while i >= 0 and raw[i] == _BACKSLASH:
            i -= 1
        ends -= (match.end(1) - 1 - i) & 1
    return ends


def may_repeat_keys(raw: bytes, value: object, keys: int | None = None) -> bool:
    """Cheap screen: False means ``raw`` certainly has no repeated key.

    ``keys`` is ``count_keys(value)`` when the caller already has it.
    """
    if keys is None:
        keys = count_keys(value)
    # Each written key has a colon of its own: no more colons than parsed keys, no repeats.
    if raw.count(b":") <= keys:
        return False
    return key_ends(raw) > keys


class _RepeatedKey(Exception):
    def __init__(self, key: str):
        self.key = key


def _refuse_repeats(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return result


def repeated_key(raw: bytes | str) -> str | None:
    """The first key that an object in ``raw`` repeats, or None (exact, slow)."""
    try:
        json.loads(raw, object_pairs_hook=_refuse_repeats)
    except _RepeatedKey as exc:
        return exc.key
    except (ValueError, RecursionError):
        return None
    return None


def repeated_keys_by_item(raw: bytes | str) -> dict[int, str]:
    """For a JSON document holding a list of records: item index -> first repeated key."""
    found: dict[int, str] = {}

    def note(pairs: list[tuple[str, object]]) -> dict:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    result[_MARK] = key
                    break
                seen.add(key)
        return result

    try:
        doc = json.loads(raw, object_pairs_hook=note)
    except (ValueError, RecursionError):
        return found
    items = (
        doc
        if isinstance(doc, list)
        else next((v for v in doc.values() if isinstance(v, list)), [])
        if isinstance(doc, dict)
        else []
    )
    for index, item in enumerate(items):
        key = _first_mark(item)
        if key is not None:
            found[index] = key
    if isinstance(doc, dict) and _MARK in doc:
        found[-1] = doc[_MARK]
    return found


_MARK = "\x00repeated-key\x00"


def _first_mark(value: object) -> str | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            if _MARK in item:
                return item[_MARK]
            stack.extend(v for v in item.values() if type(v) in _CONTAINERS)
        elif type(item) is list:
            stack.extend(v for v in item if type(v) in _CONTAINERS)
    return None
