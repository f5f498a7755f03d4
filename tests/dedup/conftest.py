"""Real GSM8K text with duplicates injected at known positions, and a plain reference Jaccard."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from core.dedup.normalize import PAIR_SEPARATOR, normalise
from core.loading import load

GSM8K_SLICE = Path(__file__).resolve().parent.parent / "data" / "gsm8k_800.jsonl"
FILLERS = ("apples", "quickly", "seven", "river", "blue", "market", "pencil")


def reference_shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    """Word shingles the slow, obvious way: the definition the fast code must match."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    if 0 < len(words) < size:
        return {tuple(words)}
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def reference_jaccard(a: str, b: str) -> float:
    sa, sb = reference_shingles(a), reference_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


def pair_text(record: dict) -> str:
    prompt = record["instruction"] + ("\n\n" + record["input"] if record["input"] else "")
    return prompt + PAIR_SEPARATOR + record["output"]


@dataclass
class Injected:
    path: Path
    records: list[dict]
    exact: list[tuple[int, int]]  # (original row, copy row)
    near: list[tuple[int, int]]


def _case_space_copy(record: dict, rng: random.Random) -> dict:
    text = record["instruction"]
    text = text.upper() if rng.random() < 0.5 else text.lower()
    return {
        **record,
        "instruction": "  " + text.replace(" ", "   ", 4) + "\n",
        "output": record["output"].replace(". ", ".  "),
    }


def _word_changed_copy(record: dict, rng: random.Random) -> dict:
    words = record["output"].split(" ")
    for _ in range(rng.randint(1, 2)):
        words[rng.randrange(len(words))] = rng.choice(FILLERS)
    return {**record, "output": " ".join(words)}


def build_injected(
    folder: Path, seed: int = 7, exact_copies: int = 25, near_copies: int = 40
) -> Injected:
    """The GSM8K slice with exact and near copies inserted at random, recorded positions."""
    rng = random.Random(seed)
    base = [orjson.loads(line) for line in GSM8K_SLICE.read_bytes().splitlines()]
    seen: set[str] = set()
    unique = []
    for record in base:  # the slice itself must hold no exact duplicates
        key = normalise(pair_text(record))
        if key not in seen:
            seen.add(key)
            unique.append(record)
    plan: list[tuple[str, int, dict]] = []
    exact_sources = rng.sample(range(len(unique)), exact_copies)
    for source in exact_sources:
        plan.append(("exact", source, _case_space_copy(unique[source], rng)))
    long_enough = [
        i
        for i, r in enumerate(unique)
        if len(reference_shingles(pair_text(r))) >= 80 and i not in exact_sources
    ]
    for source in rng.sample(long_enough, near_copies):
        # A few words changed, and still a near copy by definition (true Jaccard >= 0.8).
        copy = _word_changed_copy(unique[source], rng)
        while reference_jaccard(pair_text(unique[source]), pair_text(copy)) < 0.8:
            copy = _word_changed_copy(unique[source], rng)
        plan.append(("near", source, copy))
    records = list(unique)
    positions: dict[int, int] = {i: i for i in range(len(unique))}  # source index -> row
    inserted: list[tuple[str, int, int]] = []
    for kind, source, copy in plan:
        at = rng.randrange(positions[source] + 1, len(records) + 1)
        records.insert(at, copy)
        for i, row in positions.items():
            if row >= at:
                positions[i] = row + 1
        inserted = [(k, s, r + 1 if r >= at else r) for k, s, r in inserted]
        inserted.append((kind, source, at))
    path = folder / "gsm8k_injected.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    exact = [(positions[s], row) for kind, s, row in inserted if kind == "exact"]
    near = [(positions[s], row) for kind, s, row in inserted if kind == "near"]
    return Injected(path, records, exact, near)


@pytest.fixture(autouse=True)
def data_dir(data_dir):
    """Every test here keeps its data folder to itself (tests/conftest.py's ``data_dir``)."""
    return data_dir


@pytest.fixture
def injected_copy(injected, tmp_path) -> Path:
    """A writable copy of the injected file, its project file beside it."""
    path = tmp_path / injected.path.name
    path.write_bytes(injected.path.read_bytes())
    return path


@pytest.fixture(scope="session")
def injected(tmp_path_factory) -> Injected:
    return build_injected(tmp_path_factory.mktemp("dedup"))


@pytest.fixture(scope="session")
def injected_dataset(injected):
    return load(injected.path)


def tool_preamble(seed_tasks: Path, tools: int = 40) -> str:
    """A long tool description, as tool-use prompts carry: real self-instruct task texts."""
    tasks = [orjson.loads(line) for line in seed_tasks.read_bytes().splitlines()][:tools]
    lines = [f"- {task['name']}: {' '.join(task['instruction'].split())}" for task in tasks]
    return (
        "You are an assistant that can call the tools below. Read the request, decide "
        "which tool fits, and answer step by step.\n\nTools:\n" + "\n".join(lines)
    )


def build_template_heavy(folder: Path, seed_tasks: Path) -> Injected:
    """The injected GSM8K file with the same long tool description before every prompt."""
    injected = build_injected(folder)
    preamble = tool_preamble(seed_tasks)
    records = [
        {**r, "instruction": preamble + "\n\nRequest: " + r["instruction"]}
        for r in injected.records
    ]
    path = folder / "gsm8k_tools.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return Injected(path, records, injected.exact, injected.near)
