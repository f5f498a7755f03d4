"""Records' original bytes held as chunks plus offsets read back exactly as a list would.

Export writes these bytes as the source wrote them, so every way of adding rows (spans of a
run of lines, records with no text of their own packed together, a worker's part merged in
the parent) must give back each row's bytes, in row order.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core import originals as originals_module
from core.originals import OriginalsBuilder

_LINE = st.binary(max_size=40).filter(lambda b: b"\n" not in b)
_STEP = st.one_of(
    st.tuples(st.just("run"), st.lists(_LINE, min_size=1, max_size=8)),
    st.tuples(st.just("loose"), st.lists(st.binary(max_size=30), min_size=1, max_size=5)),
    st.tuples(
        st.just("worker"),
        st.lists(_LINE, min_size=1, max_size=8),
        st.lists(st.binary(max_size=30), max_size=3),
    ),
)


def _add_run(builder: OriginalsBuilder, lines: list[bytes]) -> bytes:
    blob = b"\n".join(lines)
    chunk = builder.add_chunk(blob)
    lengths = np.array([len(line) for line in lines], dtype=np.int64)
    ends = np.cumsum(lengths + 1) - 1
    builder.add_spans(chunk, ends - lengths, ends)
    return blob


@given(st.lists(_STEP, max_size=12), st.integers(1, 64))
@settings(max_examples=200, deadline=None)
def test_rows_read_back_in_order_however_they_were_added(steps, pack_bytes):
    originals_module.PACK_BYTES = pack_bytes  # small packs: many sealed buffers
    try:
        builder, expected = OriginalsBuilder(), []
        for step in steps:
            if step[0] == "run":
                _add_run(builder, step[1])
                expected += step[1]
            elif step[0] == "loose":
                for raw in step[1]:
                    builder.add(raw)
                expected += step[1]
            else:  # a worker parses a run (and packs loose rows), the parent merges its part
                worker = OriginalsBuilder()
                blob = _add_run(worker, step[1])
                for raw in step[2]:
                    worker.add(raw)
                builder.merge(worker.part(sent=0), blob)
                expected += step[1] + step[2]
        held = builder.finish()
    finally:
        originals_module.PACK_BYTES = 8 << 20
    assert len(held) == len(expected)
    assert [held[i] for i in range(len(held))] == expected
    assert list(held) == expected and held == expected
    assert list(held[1:-1]) == expected[1:-1]
    rows = np.arange(len(expected))[::-1]
    assert list(held.take(rows)) == expected[::-1]


def test_a_worker_part_does_not_carry_the_run_back():
    worker = OriginalsBuilder()
    blob = _add_run(worker, [b'{"a": 1}', b'{"a": 2}'])
    loose, sent, *_ = worker.part(sent=0)
    assert sent == 0 and loose == [b""]  # the parent holds the run; only offsets travel
    parent = OriginalsBuilder()
    parent.merge(worker.part(sent=0), blob)
    assert list(parent.finish()) == [b'{"a": 1}', b'{"a": 2}']


def test_take_reads_across_blocks_and_pickles(monkeypatch):
    import pickle

    monkeypatch.setattr(originals_module, "TAKE_BLOCK", 3)
    builder = OriginalsBuilder()
    lines = [b"line %d" % i for i in range(10)]
    _add_run(builder, lines)
    held = builder.finish()
    rows = np.array([9, 0, 4, 4, 7, 1, 2])
    assert list(held.take(rows)) == [lines[i] for i in rows]
    assert list(held) == lines and held[-1] == lines[-1]
    assert list(pickle.loads(pickle.dumps(held))) == lines
