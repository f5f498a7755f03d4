"""Decisions are committed as they are made, follow their records, and can be undone."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from core.project.backup import list_backups
from core.review import AUTO, DROP, KEEP, FilterError, RowFilter, Rule
from core.review.decisions import occurrences


def test_a_decision_is_on_disk_when_decide_returns(sample_copy, open_session):
    session = open_session(sample_copy)
    session.decide([3], DROP, "off-topic")
    other = open_session(sample_copy)  # a second connection sees it at once
    assert other.manual[3] == DROP and other.reasons[3] == "off-topic"
    assert other.final[3] == DROP and other.decided_by(3) == "curator"
    assert other.restored.decisions == 1


def test_undo_and_redo_are_committed_too(sample_copy, open_session):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    session.decide([1, 2, 3], DROP)
    session.decide([2], KEEP, "fine after all")
    assert session.undo_label() == "keep 1 row"
    session.undo()
    assert open_session(sample_copy).manual[[1, 2, 3]].tolist() == [DROP] * 3
    session.undo()
    assert session.summary().dropped == 0
    assert session.undo_label().startswith("rule change")  # the rule is the first step
    session.redo()
    reopened = open_session(sample_copy)
    assert reopened.manual[[1, 2, 3]].tolist() == [DROP] * 3
    assert reopened.summary().dropped == 3


def test_back_to_automatic_follows_the_rule(sample_copy, open_session):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    session.decide([0], DROP)
    session.decide([0], AUTO)
    assert session.final[0] == KEEP and session.decided_by(0) == "rule"
    assert open_session(sample_copy).restored.decisions == 0


def test_a_bulk_action_is_backed_up_first(sample_copy, open_session):
    session = open_session(sample_copy)
    session.decide(range(50), DROP)
    backups = list_backups(session.store.path)
    assert len(backups) == 1 and backups[0].reason == "before-drop-50-rows"


def test_decisions_follow_content_when_the_file_changes(sample_copy, open_session):
    session = open_session(sample_copy)
    lines = sample_copy.read_bytes().split(b"\n")
    session.decide([0], DROP, "first")
    session.decide([10], KEEP, "tenth")
    target_line = int(session.dataset.locations[20]) - 1
    session.decide([20], DROP, "will be edited")
    # Insert a record at the top, move line 11's record to the end, edit the third record.
    record = orjson.loads(lines[target_line])
    record["output"] = record["output"] + " (edited)"
    tenth = lines[int(session.dataset.locations[10]) - 1]
    lines[target_line] = orjson.dumps(record)
    lines.remove(tenth)
    lines.insert(-1, tenth)
    new = [orjson.dumps({"instruction": "new", "input": "", "output": "row"}), *lines]
    sample_copy.write_bytes(b"\n".join(new))

    reopened = open_session(sample_copy)
    restored = reopened.restored
    assert restored.source_changed and restored.orphaned == 1 and restored.decisions == 2
    reasons = {reopened.dataset.prompts[r]: why for r, why in reopened.reasons.items()}
    assert reasons == {session.dataset.prompts[0]: "first", session.dataset.prompts[10]: "tenth"}
    assert "no longer match any record" in restored.describe()


def test_identical_copies_are_decided_one_by_one(tmp_path, open_session):
    path = tmp_path / "copies.jsonl"
    path.write_text('{"prompt": "a", "response": "b"}\n' * 3)
    session = open_session(path)
    assert occurrences(session.dataset.fingerprints).tolist() == [0, 1, 2]
    session.decide([1], DROP)
    assert open_session(path).manual.tolist() == [AUTO, DROP, AUTO]


def test_filters_position_and_sort_are_restored(sample_copy, open_session):
    session = open_session(sample_copy)
    saved = RowFilter(score_min=0.2, decisions=("drop",), search="python")
    session.save_filter(saved)
    session.save_position(42)
    session.save_sort("score", True)
    reopened = open_session(sample_copy)
    assert reopened.saved_filter() == saved
    assert reopened.saved_position() == 42
    assert reopened.saved_sort() == ("score", True)
    assert "your place" in reopened.restored.describe()


def test_filter_criteria_combine(sample_copy, open_session):
    session = open_session(sample_copy)
    session.set_scores(slice(None), np.linspace(0, 1, len(session.dataset), dtype=np.float32))
    session.decide([290, 291], DROP)
    inputs = session.filter_inputs()
    assert RowFilter().mask(inputs).all()
    high = RowFilter(score_min=0.9).mask(inputs)
    assert high.sum() == (session.scores >= 0.9).sum()
    curated = RowFilter(score_min=0.9, source="curator").mask(inputs)
    assert np.flatnonzero(curated).tolist() == [290, 291]
    search = RowFilter(search="PYTHON").mask(inputs)
    assert search.any() and all(
        "python" in (session.dataset.prompts[r] + session.dataset.responses[r]).lower()
        for r in np.flatnonzero(search)
    )
    regex = RowFilter(search=r"^Write\b", regex=True, search_field="prompt").mask(inputs)
    assert all(session.dataset.prompts[r].startswith("Write") for r in np.flatnonzero(regex))


def test_a_broken_regex_says_why():
    with pytest.raises(FilterError, match="invalid"):
        RowFilter(search="([a-", regex=True)


def test_borderline_queue_starts_nearest_the_cutoff(sample_copy, open_session):
    session = open_session(sample_copy)
    n = len(session.dataset)
    session.set_scores(slice(None), np.linspace(0, 1, n, dtype=np.float32))
    session.set_rule(Rule(min_score=0.5))
    session.decide([n // 2], KEEP)
    queue = session.borderline_rows()
    assert n // 2 not in queue
    distances = np.abs(session.scores[queue] - 0.5)
    assert (np.diff(distances) >= 0).all()


def test_summary_counts_kept_tokens(sample_copy, open_session):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    session.decide([0], DROP)
    summary = session.summary()
    tokens = session.dataset.prompt_tokens + session.dataset.response_tokens
    assert summary.kept == len(session.dataset) - 1
    assert summary.kept_tokens == int(tokens.sum() - tokens[0])
