"""Review Keys refuses a key that is already taken (by another review key or a menu command)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QKeySequence

from gui.shortcuts import REVIEW_KEYS, ShortcutsDialog, find_clash, key_for


def _dialog(window) -> ShortcutsDialog:
    return ShortcutsDialog(window.settings, window, window.review.menu_shortcuts())


def test_the_same_key_for_keep_and_drop_is_refused(window):
    dialog = _dialog(window)
    dialog.edits["keep"].setKeySequence(QKeySequence("D"))
    dialog.accept()
    assert dialog.result() != ShortcutsDialog.DialogCode.Accepted
    assert not dialog.error.isHidden()
    assert dialog.error.text().startswith("D is chosen for both Keep and Drop.")
    keep = next(k for k in REVIEW_KEYS if k.name == "keep")
    assert key_for(window.settings, keep).toString() == "K"  # nothing was saved


def test_a_menu_shortcut_is_refused(window):
    dialog = _dialog(window)
    dialog.edits["keep"].setKeySequence(QKeySequence("Ctrl+Q"))
    dialog.accept()
    assert dialog.result() != ShortcutsDialog.DialogCode.Accepted
    assert "Ctrl+Q already means Quit" in dialog.error.text()


def test_a_free_key_is_saved_and_used(window):
    dialog = _dialog(window)
    dialog.edits["keep"].setKeySequence(QKeySequence("Y"))
    dialog.accept()
    assert dialog.result() == ShortcutsDialog.DialogCode.Accepted
    keep = next(k for k in REVIEW_KEYS if k.name == "keep")
    assert key_for(window.settings, keep).toString() == "Y"


def test_the_menus_own_keys_are_known(window):
    taken = window.review.menu_shortcuts()
    assert taken["Ctrl+Q"] == "Quit" and taken["Ctrl+E"] == "Export Curated Dataset"
    assert "K" not in taken and "C" in taken  # C: Show Duplicate Cluster


KEYS = st.sampled_from(["", "A", "B", "K", "D", "Ctrl+Q", "Shift+K"])


@given(
    chosen=st.fixed_dictionaries({k.name: KEYS for k in REVIEW_KEYS}),
    reserved=st.dictionaries(st.sampled_from(["A", "Ctrl+Q", "C"]), st.just("Menu command")),
)
def test_a_clash_is_found_exactly_when_a_key_would_do_two_jobs(chosen, reserved):
    used = [key for key in chosen.values() if key]
    clashing = len(used) != len(set(used)) or any(key in reserved for key in used)
    assert (find_clash(chosen, reserved) is not None) == clashing
