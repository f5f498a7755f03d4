"""Opening another file: nothing the previous file showed survives in a per-file view."""

from __future__ import annotations

import orjson

from core.review.decisions import NAMES
from tests.gui.conftest import open_window


def _write(path, records) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def _records(topic: str, n: int) -> list[dict]:
    return [
        {
            "prompt": f"Explain {topic} number {i} in a few sentences for a curious reader.",
            "response": f"Here is a careful answer about {topic} {i}: it works step by step, "
            f"and each step follows from the previous one, so {topic} {i} is clear.",
        }
        for i in range(n)
    ]


def test_opening_another_file_clears_the_overlap_in_the_detail_pane(qtbot, tmp_path):
    first, reference, second = tmp_path / "a.jsonl", tmp_path / "cur.jsonl", tmp_path / "b.jsonl"
    _write(first, _records("tides", 6))
    _write(reference, _records("tides", 6) + _records("comets", 1))
    _write(second, _records("volcanoes", 4))
    window = open_window(qtbot, second)
    # B keeps every row: its decisions are known the moment it opens, no score changes them.
    session = window.review.controller.session
    window.review.apply_rule(session.rule.with_changes(mode="all"))
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        window.open_path(first)
    window.overlap.panel.set_paths([str(reference)])
    window.overlap.panel.near.setChecked(False)
    with qtbot.waitSignal(window.overlap.check.done, timeout=60_000):
        window.overlap.panel.run_button.click()
    window.table.selectRow(0)
    assert "OVERLAP (exact" in window.detail.toPlainText()

    window.open_path(second)
    qtbot.waitUntil(lambda: window.dataset.path == second, timeout=30_000)
    qtbot.wait(500)  # the restored scores and overlap check (none) arrive
    text = window.detail.toPlainText()
    assert "volcanoes 0" in text
    assert "OVERLAP" not in text and "cur.jsonl" not in text
    session = window.review.controller.session
    row = window.current_source_row()
    heading = text.splitlines()[0]  # the new session's decision, not the old file's
    assert heading.startswith(f"Line {int(window.dataset.locations[row])}  ·  ")
    assert f"·  {NAMES[int(session.final[row])]} (" in heading
