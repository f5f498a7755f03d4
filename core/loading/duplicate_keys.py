r"""Find JSON objects that repeat a key, which fast parsers resolve silently (the last one wins).

A record with a repeated key is ambiguous, so it is reported rather than guessed at. Checking
every record with a slow hook-based parse would cost more than the parse itself, so cheap
screens run first. Every key written in JSON text is a string followed by optional whitespace
and its own colon, so neither the colons in the text nor the matches of ``"\s*:`` can be fewer
than the keys written. When either count equals the keys in the parsed value, no key was
repeated; only when both are larger (a repeated key, or colons inside string values) does the
exact, slow check run.
"""

from __future__ import annotations

import json
import re

_KEY_END = re.compile(rb'"\s*:')
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


def may_repeat_keys(raw: bytes, value: object) -> bool:
    """Cheap screen: False means ``raw`` certainly has no repeated key."""
    keys = count_keys(value)
    # Each written key has a colon of its own: no more colons than parsed keys, no repeats.
    if raw.count(b":") <= keys:
        return False
    return len(_KEY_END.findall(raw)) > keys


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
    items = doc if isinstance(doc, list) else next(
        (v for v in doc.values() if isinstance(v, list)), []) if isinstance(doc, dict) else []
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
