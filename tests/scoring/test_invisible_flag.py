"""Zero-width and bidi control characters: found, flagged, and split out for display."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.invisible import INVISIBLE, has_invisible, marker, split_invisible
from core.scoring.heuristics import compute_signals, flag_names

HIDDEN = "\u202e\u200b\u2066\ufeff\u200f"
TEXT = st.text(alphabet=st.sampled_from(list("ab c\u00e9\u200d\u200c" + HIDDEN)), max_size=40)


@given(TEXT)
def test_the_pieces_rebuild_the_text_and_mark_exactly_the_hidden_characters(text):
    pieces = split_invisible(text)
    assert "".join(piece for piece, _ in pieces) == text
    for piece, hidden in pieces:
        if hidden:
            assert len(piece) == 1 and INVISIBLE.match(piece)
        else:
            assert not has_invisible(piece)
    assert has_invisible(text) == any(hidden for _, hidden in pieces)


def test_joiners_used_by_emoji_and_scripts_are_not_flagged():
    assert not has_invisible("👩\u200d💻 and می\u200cخواهم")


def test_a_marker_names_the_character_visibly():
    assert marker("\u202e") == "⟦RLO U+202E⟧"
    assert not has_invisible(marker("\u202e"))


def test_rows_with_hidden_characters_get_the_invisible_flag():
    signals = compute_signals(
        ["What is 2+2?", "Say hi", "Name a file"],
        ["It is 4.", "hi\u200b there", "It is \u202eexe.txt"],
    )
    assert [flag_names(int(m)) for m in signals.flag_mask()] == [[], ["invisible"], ["invisible"]]
