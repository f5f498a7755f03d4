"""Build large synthetic SFT files from the real datasets in ``../shared/data``.

Records are sampled from GSM8K (Alpaca layout) and perturbed: numbers change, sentences are
re-ordered and words dropped, so a million records are not a million copies of 7,473. Generated
files go under ``bench-data/`` (git-ignored) and are never committed.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
OUT_DIR = ROOT / "bench-data"
_NUMBER = re.compile(r"\d+")


def real_records() -> list[dict]:
    """GSM8K train records in Alpaca layout."""
    return orjson.loads((SHARED_DATA / "gsm_8k_train.json").read_bytes())


def perturb(text: str, rng: random.Random) -> str:
    """Change numbers and drop a word now and then, keeping the text realistic."""
    text = _NUMBER.sub(lambda m: str(int(m.group()) + rng.randint(0, 9)), text)
    words = text.split(" ")
    if len(words) > 8 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def synthesize_jsonl(n: int, path: Path, seed: int = 0) -> Path:
    """Write ``n`` perturbed Alpaca records to ``path`` as JSONL (Python-style separators)."""
    rng = random.Random(seed)
    base = real_records()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        for _ in range(n):
            r = rng.choice(base)
            record = {
                "instruction": perturb(r["instruction"], rng),
                "input": r["input"],
                "output": perturb(r["output"], rng),
            }
            f.write(orjson.dumps(record).replace(b'","', b'", "').replace(b'":"', b'": "'))
            f.write(b"\n")
    return path


def _cached(name: str, build) -> Path:
    """``bench-data/name``, built by ``build(path)`` the first time and reused after."""
    path = OUT_DIR / name
    if not path.exists():
        build(path)
    return path


def cached_jsonl(n: int) -> Path:
    """A synthetic JSONL of ``n`` records, generated once and reused."""
    return _cached(f"synthetic_{n}.jsonl", lambda path: synthesize_jsonl(n, path))


_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def _mixed_record(base: list[dict], rng: random.Random) -> dict:
    """A new question from sentences of two real ones, answered by one of them (perturbed)."""
    a, b = rng.choice(base), rng.choice(base)
    sentences = _SENTENCE.split(a["instruction"])[:-1] + _SENTENCE.split(b["instruction"])[-1:]
    return {
        "instruction": perturb(" ".join(sentences), rng),
        "input": "",
        "output": perturb(a["output"], rng),
    }


def _case_and_space_copy(record: dict, rng: random.Random) -> dict:
    """The same record with its case and spacing changed: an exact copy after normalisation."""
    text = record["instruction"]
    text = text.upper() if rng.random() < 0.5 else text.lower()
    return {**record, "instruction": "  " + text.replace(" ", "  ", 3) + " "}


def _few_words_changed(record: dict, rng: random.Random) -> dict:
    """The same record with one to three words of its answer replaced: a near copy."""
    words = record["output"].split(" ")
    for _ in range(rng.randint(1, 3)):
        words[rng.randrange(len(words))] = rng.choice(("some", "the", "then", "total", "so"))
    return {**record, "output": " ".join(words)}


def synthesize_dedup_jsonl(
    n: int, path: Path, seed: int = 0, exact_rate: float = 0.05, near_rate: float = 0.10
) -> Path:
    """Write ``n`` mostly distinct records with injected exact and near copies, as JSONL."""
    rng = random.Random(seed)
    base = real_records()
    records: list[dict] = []
    for _ in range(n):
        roll = rng.random()
        if records and roll < exact_rate:
            records.append(_case_and_space_copy(rng.choice(records), rng))
        elif records and roll < exact_rate + near_rate:
            records.append(_few_words_changed(rng.choice(records), rng))
        else:
            records.append(_mixed_record(base, rng))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        for record in records:
            f.write(orjson.dumps(record) + b"\n")
    return path


def cached_dedup_jsonl(n: int) -> Path:
    """A synthetic JSONL with injected duplicates, generated once and reused."""
    return _cached(f"dedup_{n}.jsonl", lambda path: synthesize_dedup_jsonl(n, path))
