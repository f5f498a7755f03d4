"""Decision keys: the n-th copy of a record's content is always the same key, row by row.

The keys are made lazily from the fingerprints (a list of a million tuples cost 140 MB and a
second when a session opened); they must equal what the plain definition gives.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.review.decisions import decision_keys, occurrences


def _plain_keys(fingerprints: np.ndarray) -> list[tuple[bytes, int]]:
    raw = fingerprints.tobytes()
    width = fingerprints.dtype.itemsize
    seen: dict[bytes, int] = {}
    keys = []
    for i in range(len(fingerprints)):
        fp = raw[i * width : (i + 1) * width]
        keys.append((fp, seen.get(fp, 0)))
        seen[fp] = seen.get(fp, 0) + 1
    return keys


@given(st.lists(st.integers(0, 6), max_size=60), st.sampled_from([16, 12]), st.integers(0, 2**32))
@settings(max_examples=150, deadline=None)
def test_keys_are_content_and_how_many_earlier_copies(picks, width, seed):
    rng = np.random.default_rng(seed)
    # A few distinct contents, some ending in zero bytes (which NumPy's S type hides).
    pool = rng.integers(0, 256, (7, width), dtype=np.uint8)
    pool[0, -3:] = 0
    pool[1, :] = pool[2, :]
    pool[1, 0] ^= 1  # differs from pool[2] in one bit of the first word only
    fingerprints = np.frombuffer(pool[picks].tobytes(), dtype=f"S{width}")
    expected = _plain_keys(fingerprints)
    keys = decision_keys(fingerprints)
    assert list(keys) == expected
    assert [keys[i] for i in range(len(keys))] == expected
    assert keys[-1:] == expected[-1:] and len(keys) == len(expected)
    assert occurrences(fingerprints).tolist() == [occ for _, occ in expected]
    if expected:
        assert keys.index(expected[-1]) == expected.index(expected[-1])
    wanted = [*expected[::3], (b"\x01" * width, 0), (expected[0][0] if expected else b"", 99)]
    assert keys.rows_of(wanted) == {k: expected.index(k) for k in wanted if k in expected}
