"""The loading worker also does the one sort that opening a session needs.

Every decision key holds the record's occurrence (how many earlier rows share its content);
finding them is a sort of every fingerprint, half a second at 1M rows. The load job computes
them on its worker, so the window does not freeze when the session opens, and they are the
same counts a session computed by itself.
"""

import threading

import numpy as np
import orjson

import core.dataset as core_dataset
from core.review.decisions import decision_keys
from gui.loading.jobs import LoadJob


def test_occurrences_arrive_computed_off_the_gui_thread(qtbot, write, monkeypatch):
    records = [{"prompt": f"q{i % 4}", "response": "same" if i % 4 else "a"} for i in range(40)]
    path = write("a.jsonl", b"\n".join(map(orjson.dumps, records)))
    threads = []
    original = core_dataset.occurrences

    def counted(fingerprints):
        threads.append(threading.current_thread())
        return original(fingerprints)

    monkeypatch.setattr(core_dataset, "occurrences", counted)
    job = LoadJob()
    with qtbot.waitSignal(job.loaded, timeout=30_000) as loaded:
        job.start(path)
    dataset = loaded.args[0]
    assert threads and all(t is not threading.main_thread() for t in threads)
    keys = decision_keys(dataset.fingerprints, dataset.occurrences)
    assert len(threads) == 1  # the session's keys reuse the worker's counts
    np.testing.assert_array_equal(dataset.occurrences, original(dataset.fingerprints))
    assert [occ for _, occ in keys] == [i // 4 for i in range(40)]
