r"""A large benchmark JSONL mixed from every real source in ``../shared/data``, into /tmp.

GSM8K alone is a kind file to a loader: short ASCII lines, no colons inside the text. Real SFT
dumps are not, so this mix samples and perturbs several real sources into one Alpaca-layout file:

- GSM8K questions and worked answers (numbers changed, words dropped);
- the self-instruct seed tasks, one record per instance (their inputs hold tables, code, JSON);
- HH-RLHF dialogues turned into prompt/response: the whole conversation up to the last
  ``Assistant:`` turn is the instruction (full of ``Human:``/``Assistant:`` colons), the chosen
  last answer the output;
- Koala and Vicuna prompts, answered by a real response drawn from elsewhere in the mix.

Perturbations add what real text carries: quoted phrases, a ``"key": value`` snippet now and
then, backslashes, tabs and newlines that JSON must escape, and non-ASCII (accents, CJK, emoji).
Files are written under :data:`OUT_DIR` (in /tmp, never in the repository) and reused.
"""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
OUT_DIR = Path("/tmp/thresher-bench")
_NUMBER = re.compile(r"\d+")
_LAST_ASSISTANT = "\n\nAssistant:"
_NON_ASCII = (
    "café",
    "naïve",
    "Zürich",
    "東京",
    "数学",
    "😀",
    "—",
    "…",
    "Ωmega",
    "señor",
    "Привет",
    "résumé",
    "→",
    "½",
)
_SNIPPETS = (
    '{"name": "Alice", "age": 30}',
    'Output: "yes"',
    'Note: see "A": "B"',
    "C:\\Users\\me\\file.txt",
    "a\tb\tc",
    'key: "value"',
    "Step 1: add; Step 2: sum",
)


def _gsm8k() -> list[tuple[str, str, str]]:
    rows = orjson.loads((SHARED_DATA / "gsm_8k_train.json").read_bytes())
    return [(r["instruction"], r["input"], r["output"]) for r in rows]


def _seed_tasks() -> list[tuple[str, str, str]]:
    out = []
    for line in (SHARED_DATA / "seed_tasks.jsonl").read_bytes().splitlines():
        task = orjson.loads(line)
        out += [(task["instruction"], i["input"], i["output"]) for i in task["instances"]]
    return out


def _hh_dialogues() -> list[tuple[str, str, str]]:
    out = []
    with gzip.open(SHARED_DATA / "hh_rlhf_harmless_base_test.jsonl.gz", "rb") as f:
        for line in f:
            chosen = orjson.loads(line)["chosen"]
            cut = chosen.rfind(_LAST_ASSISTANT)
            if cut > 0:
                out.append((chosen[:cut].strip(), "", chosen[cut + len(_LAST_ASSISTANT) :].strip()))
    return out


def _prompts_only() -> list[str]:
    koala = [
        orjson.loads(x)["prompt"]
        for x in (SHARED_DATA / "koala_test_set.jsonl").read_bytes().splitlines()
    ]
    vicuna = [
        orjson.loads(x)["text"]
        for x in (SHARED_DATA / "vicuna_test_set.jsonl").read_bytes().splitlines()
    ]
    return koala + vicuna


def _perturb(text: str, rng: random.Random) -> str:
    """Change numbers, drop a word, and now and then add quotes, escapes or non-ASCII text."""
    text = _NUMBER.sub(lambda m: str(int(m.group()) + rng.randint(0, 9)), text)
    words = text.split(" ")
    if len(words) > 8 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    roll = rng.random()
    if roll < 0.10:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_NON_ASCII))
    elif roll < 0.16:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_SNIPPETS))
    elif roll < 0.20 and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i] = f'"{words[i]}'
        words[i + 1] = f'{words[i + 1]}"'
    return " ".join(words)


def mixed_pool() -> list[tuple[str, str, str]]:
    """Every real (instruction, input, output) triple the mix samples from."""
    gsm, seed, hh = _gsm8k(), _seed_tasks(), _hh_dialogues()
    rng = random.Random(1)
    answers = [o for _, _, o in seed + hh if o]
    asked = [(p, "", rng.choice(answers)) for p in _prompts_only()]
    return gsm + seed * 4 + hh + asked * 4


def synthesize_mixed_jsonl(n: int, path: Path, seed: int = 0) -> Path:
    """Write ``n`` sampled, perturbed Alpaca records from the mixed pool to ``path``."""
    rng = random.Random(seed)
    pool = mixed_pool()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as f:
        for _ in range(n):
            instruction, input_, output = rng.choice(pool)
            record = {
                "instruction": _perturb(instruction, rng),
                "input": input_,
                "output": _perturb(output, rng),
            }
            line = orjson.dumps(record)
            if rng.random() < 0.5:  # half the lines written with Python's separators
                line = line.replace(b'","', b'", "').replace(b'":"', b'": "')
            f.write(line + b"\n")
    tmp.replace(path)
    return path


def cached_mixed_jsonl(n: int) -> Path:
    """The mixed benchmark file of ``n`` records, generated once into /tmp and reused."""
    path = OUT_DIR / f"mixed_{n}.jsonl"
    if not path.exists():
        synthesize_mixed_jsonl(n, path)
    return path
