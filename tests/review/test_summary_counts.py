"""The summary bar's counts and the final decisions stay exact while updated row by row.

The session keeps its kept/dropped/undecided/manual counts and kept tokens up to date from the
rows each decision changes (a key press at 1M rows must not recount every row); whatever a
curator does, they must equal a full recount of the final decisions.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.loading import load
from core.project import ProjectStore
from core.review import DROP, KEEP, ReviewSession, Rule
from core.review.decisions import AUTO, UNDECIDED
from core.review.session import Summary
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def sample_dataset():
    return load(SAMPLE)


def _recount(session) -> Summary:
    final = session.final
    kept = final == KEEP
    tokens = session.dataset.prompt_tokens + session.dataset.response_tokens
    return Summary(
        rows=len(final),
        kept=int(kept.sum()),
        dropped=int((final == DROP).sum()),
        undecided=int((final == UNDECIDED).sum()),
        manual=int((session.manual != AUTO).sum()),
        kept_tokens=int(tokens[kept].sum()),
    )


_rows = st.lists(st.integers(0, 19), min_size=1, max_size=8)
_steps = st.one_of(
    st.tuples(st.just("decide"), _rows, st.sampled_from([KEEP, DROP, AUTO])),
    st.tuples(
        st.just("rule"),
        st.sampled_from([0.2, 0.5, 0.8]),
        st.booleans(),
        st.sampled_from(["", "other"]),
    ),
    st.tuples(
        st.just("scores"),
        _rows,
        st.lists(st.floats(0, 1, width=32), min_size=8, max_size=8),
        st.sampled_from([None, "other"]),
    ),
    st.tuples(st.just("duplicates"), _rows),
    st.just(("undo",)),
    st.just(("redo",)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_steps, max_size=30))
def test_the_summary_equals_a_full_recount_after_any_steps(tmp_path, sample_dataset, steps):
    with (
        tempfile.TemporaryDirectory(dir=tmp_path) as folder,
        ProjectStore(Path(folder) / "p.thresher") as store,
    ):
        session = ReviewSession(sample_dataset, store)
        assert session.summary() == _recount(session)
        for step in steps:
            if step[0] == "decide":
                session.decide(step[1], step[2])
            elif step[0] == "rule":
                session.set_rule(Rule(min_score=step[1], drop_duplicates=step[2], scorer=step[3]))
            elif step[0] == "scores":
                rows = np.unique(step[1])
                scores = np.array(step[2][: len(rows)], dtype=np.float32)
                session.set_scores(rows, scores, key=step[3])
            elif step[0] == "duplicates":
                duplicate = np.zeros(len(sample_dataset), dtype=bool)
                duplicate[step[1]] = True
                session.set_duplicates(duplicate)
            else:
                getattr(session, step[0])()
            assert session.summary() == _recount(session)
            rule = session.rule.decide(
                session.scores,
                session.flag_mask,
                session.duplicate,
                session.overlap,
                session.column_scores(),
            )
            assert (
                session.final.tolist()
                == np.where(session.manual != AUTO, session.manual, rule).tolist()
            )
            manual = session.manual
            assert session.manual_counts() == (
                int((manual == KEEP).sum()),
                int((manual == DROP).sum()),
            )
        reopened = ReviewSession(sample_dataset, store)  # restored decisions are counted too
        assert reopened.summary() == _recount(reopened)
