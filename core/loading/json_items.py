r"""The original text of each record in a JSON document, for exports that keep it exactly.

Parsing and re-serialising a record changes it: a 30-digit integer id comes back as
``1.2345678901234568e+29``, ``1.50`` as ``1.5``, ``"\u00e9"`` as ``"é"``. So the loader also
cuts each record of the document's list of records out of the file's text. A curated JSONL line
must be one line, so the line breaks between tokens (and the indentation around them) are
removed; everything else (numbers, escapes, key order, spacing within a line) is the file's own.

The standard library's C scanner (``JSONDecoder.raw_decode``) finds where each record ends:
0.44 s for GSM8K's 4 MB on a busy machine, where a Python token scan plus a regular-expression
compaction took 1.9 s.
"""

from __future__ import annotations

import json
import re

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def record_texts(data: bytes, in_object: bool) -> list[bytes] | None:
    """Each item of the document's list of records as its own one-line text.

    ``in_object``: the list is the one list-valued member of a top-level object (else the
    document is the list). None when the text does not split as expected (the caller then
    serialises the parsed records instead).
    """
    try:
        text = data.decode("utf-8")
        pos = _skip(text, 0)
        if in_object:
            pos = _list_in_object(text, pos)
        if text[pos] != "[":
            return None
        pos = _skip(text, pos + 1)
        if text[pos] == "]":
            return []
        items = []
        while True:
            _, end = _DECODER.raw_decode(text, pos)
            items.append(one_line(text[pos:end].encode("utf-8")))
            pos = _skip(text, end)
            if text[pos] == "]":
                return items
            if text[pos] != ",":
                return None
            pos = _skip(text, pos + 1)
    except (ValueError, IndexError, RecursionError):
        return None


def one_line(text: bytes) -> bytes:
    """``text`` with its line breaks (and the indentation around them) removed."""
    if b"\n" not in text and b"\r" not in text:
        return text
    # A raw line break is always whitespace between tokens (JSON strings must escape it), and
    # so are the spaces and tabs on either side of it.
    return b"".join(line.strip(b" \t\r") for line in text.split(b"\n"))


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    assert match is not None  # the pattern is all-optional, so it matches at any position
    return match.end()


def _list_in_object(text: str, pos: int) -> int:
    """Where the first list-valued member of the object at ``pos`` starts."""
    if text[pos] != "{":
        raise ValueError("not an object")
    pos = _skip(text, pos + 1)
    while True:
        _, pos = _DECODER.raw_decode(text, pos)  # the key
        pos = _skip(text, pos)
        if text[pos] != ":":
            raise ValueError("no colon")
        pos = _skip(text, pos + 1)
        if text[pos] == "[":
            return pos
        _, pos = _DECODER.raw_decode(text, pos)  # another member's value
        pos = _skip(text, pos)
        if text[pos] != ",":
            raise ValueError("no list of records")
        pos = _skip(text, pos + 1)
