"""One undo history for decisions, rule changes and kept copies, each committed to the project."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.loading import load
from core.project import ProjectStore
from core.review import DROP, KEEP, ReviewSession, Rule
from core.review.decisions import AUTO
from tests.conftest import SAMPLE


def _state(session) -> tuple:
    return (
        session.manual.tolist(),
        dict(session.reasons),
        session.rule,
        np.flatnonzero(session.preferred).tolist(),
    )


def _on_disk(session) -> tuple:
    """What a fresh open of the project would restore."""
    with ProjectStore(session.store.path) as store:
        decisions = store.decisions()
        kept = store.kept_copies()
        rule = store.get_meta("review.rule")
    manual = [decisions.get(key, (AUTO, ""))[0] for key in session.keys]
    preferred = [row for row, key in enumerate(session.keys) if key in kept]
    return manual, rule, preferred


def test_a_rule_change_is_undone_and_redone_on_disk(sample_copy, open_session):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    assert session.undo_label() == "rule change (keep all rows; drop duplicates)"
    session.undo()
    assert session.rule == Rule()
    assert open_session(sample_copy).rule == Rule()
    session.redo()
    assert open_session(sample_copy).rule == Rule(mode="all")


def test_a_drag_is_one_step_and_a_drag_back_to_the_start_is_none(sample_copy, open_session):
    session = open_session(sample_copy)
    session.decide([4], KEEP)
    for cutoff in (0.4, 0.3, 0.2):
        session.set_rule(Rule(min_score=cutoff), merge_key="drag-1")
    assert session.undo_label().startswith("rule change (keep score ≥ 0.2")
    session.undo()
    assert session.rule == Rule() and session.undo_label() == "keep 1 row"
    session.redo()
    for cutoff in (0.6, 0.5):  # a second drag ending where it began
        session.set_rule(Rule(min_score=cutoff), merge_key="drag-2")
    session.set_rule(Rule(min_score=0.2), merge_key="drag-2")
    assert session.rule == Rule(min_score=0.2)
    assert session.undo_label().startswith("rule change (keep score ≥ 0.2")
    session.undo()
    assert session.rule == Rule()


def test_choosing_a_kept_copy_is_undoable(sample_copy, open_session):
    session = open_session(sample_copy)
    cluster = np.array([3, 7, 9])
    session.choose_kept(7, cluster)
    session.choose_kept(9, cluster)
    assert np.flatnonzero(session.preferred).tolist() == [9]
    session.undo()
    assert np.flatnonzero(open_session(sample_copy).preferred).tolist() == [7]
    session.undo()
    assert not open_session(sample_copy).preferred.any()
    session.redo()
    assert np.flatnonzero(open_session(sample_copy).preferred).tolist() == [7]


@pytest.fixture(scope="module")
def sample_dataset():
    return load(SAMPLE)


_CLUSTERS = (np.array([0, 1, 2]), np.array([5, 6]))
_steps = st.one_of(
    st.tuples(
        st.just("decide"),
        st.lists(st.integers(0, 12), min_size=1, max_size=4),
        st.sampled_from([KEEP, DROP, AUTO]),
        st.sampled_from(["", "why"]),
    ),
    st.tuples(st.just("rule"), st.sampled_from([0.2, 0.5, 0.8]), st.sampled_from([None, "d"])),
    st.tuples(st.just("kept"), st.integers(0, 1), st.integers(0, 2)),
    st.just(("undo",)),
    st.just(("redo",)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_steps, max_size=25))
def test_history_property(tmp_path, sample_dataset, steps):
    """Any mix of steps: the project file holds what memory shows, the final decisions follow.

    Undoing everything gives back the state before the first step.
    """
    with (
        tempfile.TemporaryDirectory(dir=tmp_path) as folder,
        ProjectStore(Path(folder) / "p.thresher") as store,
    ):
        session = ReviewSession(sample_dataset, store)
        session._save_rule(Rule())
        _run(session, steps)


def _run(session, steps) -> None:
    start = _state(session)
    for step in steps:
        if step[0] == "decide":
            session.decide(step[1], step[2], step[3])
        elif step[0] == "rule":
            session.set_rule(Rule(min_score=step[1]), merge_key=step[2])
        elif step[0] == "kept":
            members = _CLUSTERS[step[1]]
            session.choose_kept(int(members[min(step[2], len(members) - 1)]), members)
        else:
            getattr(session, step[0])()
        manual, rule, preferred = _on_disk(session)
        assert manual == session.manual.tolist()
        assert Rule.from_dict(orjson.loads(rule)) == session.rule
        assert preferred == np.flatnonzero(session.preferred).tolist()
        expected_final = np.where(
            session.manual != AUTO,
            session.manual,
            session.rule.decide(session.scores, session.flag_mask, session.duplicate),
        )
        assert session.final.tolist() == expected_final.tolist()
    while session.can_undo:
        session.undo()
    assert _state(session) == start
