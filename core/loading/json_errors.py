"""Turn a JSON parser error into a reason a curator can act on."""

from __future__ import annotations

import orjson

_NON_FINITE = (b"NaN", b"Infinity", b"-Infinity", b"+Infinity")


def utf8_error_offset(data: bytes) -> int | None:
    """0-based offset of the first byte that is not valid UTF-8, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def json_error_reason(exc: orjson.JSONDecodeError, text: bytes) -> str:
    """A short reason for a JSON error in ``text`` (one JSONL line or a whole document)."""
    message = str(exc).split(": line ")[0]
    pos = exc.pos
    column = f"column {exc.colno}"
    if "UTF-8" in message:
        offset = utf8_error_offset(text)
        if offset is not None:
            line_start = text.rfind(b"\n", 0, offset) + 1
            return f"invalid UTF-8 (byte {offset - line_start + 1} of the line)"
        if "byte order mark" in message:  # valid UTF-8: orjson refuses a BOM before a value
            return (
                f"a byte order mark (U+FEFF) at byte {pos + 1} of the line: JSON allows one only "
                "at the start of a file (files joined together?)"
            )
        return "invalid UTF-8"
    if "surrogate" in message:
        return f"invalid Unicode: lone surrogate in a \\u escape ({column})"
    near = text[max(0, pos - 1) : pos + 9]
    if any(token in near for token in _NON_FINITE):
        return f"NaN or Infinity is not valid JSON ({column})"
    if "depth limit" in message:
        return "nested more than 1,024 levels deep"
    if "infinity when parsed" in message:
        return f"number too large ({column})"
    if "end of data" in message:
        return f"invalid JSON: the text ends early, truncated record? ({column})"
    if "after document" in message:
        return f"invalid JSON: more than one value on the line ({column})"
    return f"invalid JSON: {message} ({column})"
