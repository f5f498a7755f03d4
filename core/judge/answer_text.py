"""Reading a rating out of a judge's written answer, strictly.

Used when a server gives no log-probabilities: the rating is the first number on the first line
(the AlpaGasus prompt asks for exactly that), or else the number on a ``Score: x`` line. A number
outside the scale, or none at all, is not a rating: the row is unscorable with the reason, never
given a guessed value.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?")
_SCORE_LINE = re.compile(r"^\W*score\W*?[:=]\s*([-+]?\d+(?:\.\d+)?)", re.IGNORECASE)
#: Characters of an unreadable answer quoted in its reason.
QUOTE_CHARS = 80


def read_rating(text: str, low: int, high: int) -> tuple[float | None, str | None]:
    """``(rating, None)``, or ``(None, reason)`` when the answer holds no rating on the scale."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None, "unscorable: the judge's answer was empty"
    first = _NUMBER.search(lines[0])
    if first is not None and low <= float(first[0]) <= high:
        return float(first[0]), None
    for line in lines:
        match = _SCORE_LINE.match(line)
        if match and low <= float(match[1]) <= high:
            return float(match[1]), None
    quote = " ".join(lines)[:QUOTE_CHARS]
    what = (
        f"its first number, {first[0]}, is outside the scale"
        if first is not None
        else "no number on its first line and no 'Score: x' line"
    )
    return None, (
        f"unscorable: the judge's answer holds no rating {low}-{high} ({what}): {quote!r}"
    )
