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

On a big run of lines the same count is taken with numpy (every quote, the byte after it, the
backslashes before the few that qualify): about 2.4x less CPU than the regular expression on a
batch of 2,048 real lines, which matters because every batch of real text is counted (its
colons outnumber its keys). Short text keeps the regular expression (numpy's fixed cost per
call is higher there). Both give the same count (a Hypothesis property checks it).
"""

from __future__ import annotations

import json
import re

import numpy as np

_KEY_END = re.compile(rb'"\s*:')
_ESCAPED_KEY_END = re.compile(rb'(\\)"\s*:')
_BACKSLASH = ord("\\")
_CONTAINERS = (dict, list)
#: Text at least this long is counted with numpy (below it the regular expression is cheaper).
NUMPY_MIN_BYTES = 16 << 10
_QUOTE, _COLON = ord('"'), ord(":")
#: The bytes ``\s`` matches in a bytes pattern: space, \t, \n, \v, \f, \r.
_SPACE_BYTES = b" \t\n\x0b\x0c\r"
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[list(_SPACE_BYTES)] = True


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
    if len(raw) >= NUMPY_MIN_BYTES:
        return _key_ends_numpy(raw)
    ends = len(_KEY_END.findall(raw))
    for match in _ESCAPED_KEY_END.finditer(raw):
        # The quote is escaped when an odd run of backslashes stands before it.
        i = match.end(1) - 1
        while i >= 0 and raw[i] == _BACKSLASH:
            i -= 1
        ends -= (match.end(1) - 1 - i) & 1
    return ends


def _key_ends_numpy(raw: bytes) -> int:
    """:func:`key_ends` for long text: the same count, vectorised."""
    text = np.frombuffer(raw, dtype=np.uint8)
    size = len(text)
    quotes = np.flatnonzero(text[:-1] == _QUOTE)
    after = text[quotes + 1]
    ends = [quotes[after == _COLON]]
    spaced = quotes[_IS_SPACE[after]]
    spaced = spaced[spaced + 2 < size]
    if len(spaced):
        second = text[spaced + 2]
        ends.append(spaced[second == _COLON])
        longer = []  # two or more spaces after the quote: rare, walked one by one
        for quote in spaced[_IS_SPACE[second]].tolist():
            i = quote + 3
            while i < size and raw[i] in _SPACE_BYTES:
                i += 1
            if i < size and raw[i] == _COLON:
                longer.append(quote)
        ends.append(np.asarray(longer, dtype=np.int64))
    found = np.concatenate(ends)
    count = len(found)
    for quote in found[found > 0][text[found[found > 0] - 1] == _BACKSLASH].tolist():
        # The quote is escaped when an odd run of backslashes stands before it.
        i = quote - 1
        while i >= 0 and raw[i] == _BACKSLASH:
            i -= 1
        count -= (quote - 1 - i) & 1
    return count


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
