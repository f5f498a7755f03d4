"""Planted paraphrases of real prompts: the same request reworded, as curators meet them.

Each copy gets one or two edits a person rewording a prompt makes: a polite or framing
prefix, a dropped word, two sentences swapped, common phrases replaced by synonyms. The
meaning stays; the text changes enough that exact and near (5-word shingle) matching miss many.
"""

from __future__ import annotations

import random
import re

PREFIXES = (
    "Please answer this: ",
    "Can you help me with this? ",
    "Question: ",
    "I need help. ",
    "Quick one: ",
)
SYNONYMS = {
    "how many": "what number of",
    "what is": "what's",
    "buy": "purchase",
    "total": "overall",
    "each": "every",
    "cost": "price",
    "bought": "purchased",
    "write": "compose",
    "give": "provide",
    "explain": "describe",
    "tell me": "say",
    "can you": "could you",
    "make": "create",
    "find": "work out",
}
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def _prefix(text: str, rng: random.Random) -> str:
    return rng.choice(PREFIXES) + text


def _drop_word(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if len(words) > 8:
        del words[rng.randrange(1, len(words))]
    return " ".join(words)


def _swap_sentences(text: str, rng: random.Random) -> str:
    sentences = _SENTENCE.split(text)
    if len(sentences) > 2:
        i = rng.randrange(len(sentences) - 2)  # the question itself stays last
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    return " ".join(sentences)


def _synonyms(text: str, rng: random.Random) -> str:
    for phrase, other in SYNONYMS.items():
        if rng.random() < 0.7:
            text = re.sub(rf"\b{phrase}\b", other, text, flags=re.IGNORECASE)
    return text


EDITS = (_prefix, _drop_word, _swap_sentences, _synonyms)


def paraphrase(text: str, rng: random.Random) -> str:
    """``text`` with one or two rewording edits; never the text itself."""
    for edit in rng.sample(EDITS, rng.randint(1, 2)):
        text = edit(text, rng)
    return text
