"""References that could mislead: bad lines, nothing usable, the open file itself, no spaces."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import LoadError
from core.generators import run_to_end
from core.loading import load
from core.overlap.config import OverlapConfig
from core.overlap.references import OverlapError, load_references
from core.overlap.run import find_overlap
from core.overlap.spaceless import spaceless

LEAKED = "List the layers of the TCP/IP model and for each layer identify one protocol."
OTHER = "Write a short poem about the sea at night, with a storm coming in from the west."


def _jsonl(write, name: str, records: list[dict], extra: bytes = b"") -> object:
    return write(name, b"\n".join(orjson.dumps(r) for r in records) + b"\n" + extra)


@pytest.fixture
def training(write):
    records = [
        {"instruction": LEAKED, "output": "Application, transport, internet, link."},
        {"instruction": OTHER, "output": "The waves..."},
        {"instruction": "What is 2 + 2?", "output": "4"},
    ]
    return load(_jsonl(write, "train.jsonl", records))


def _references(paths, dataset, settings=None):
    return run_to_end(load_references(paths, dataset, settings or OverlapConfig()))


def test_a_reference_with_bad_lines_reports_them_and_uses_the_rest(write, training):
    ref = write(
        "eval.jsonl",
        b'{"prompt": "unrelated question about birds and their songs"}\n'
        b'{"prompt": broken\n' + orjson.dumps({"prompt": LEAKED}) + b"\n[1, 2]\n",
    )
    references = _references([ref], training)
    result = run_to_end(find_overlap(training, references, OverlapConfig()))
    info = result.references[0]
    assert (info.records, info.rejected) == (2, 2)
    assert "line 2" in info.warning() and "2 unusable" in info.warning()
    match = result.match_of(0)
    assert (match.level, result.ref_location(0, match.ref_row)) == ("exact", 3)
    assert result.match_of(1) is None and result.match_of(2) is None


def test_an_empty_reference_beside_good_ones_is_reported_and_skipped(write, training):
    good = _jsonl(write, "eval.jsonl", [{"prompt": LEAKED}])
    empty, blank = write("empty.jsonl", b""), write("blank.jsonl", b"\n  \n")
    junk = write("junk.jsonl", b"[1]\n[2]\n")
    skipped: list[str] = []
    references = run_to_end(
        load_references([empty, good, blank, junk], training, OverlapConfig(), skipped)
    )
    assert [r.path for r in references] == [good]
    assert len(skipped) == 3 and all("\n" not in line and "skipped" in line for line in skipped)
    assert skipped[0].startswith(f"{empty}: the reference is empty")
    assert skipped[1].startswith(f"{blank}: the reference is empty")
    assert skipped[2].startswith(
        f"{junk}: the reference holds no usable records (2 unusable line(s), first: line 1"
    )
    result = run_to_end(find_overlap(training, references, OverlapConfig()))
    assert result.match_of(0).level == "exact"


def test_only_empty_references_are_refused_with_the_file_named(write, training):
    with pytest.raises(
        OverlapError,
        match=r"empty\.jsonl: the reference is empty; there is "
        "nothing to compare against",
    ):
        _references([write("empty.jsonl", b"")], training)
    with pytest.raises(
        OverlapError,
        match=r"junk.jsonl: the reference holds no usable "
        r"records \(2 unusable line\(s\), first: line 1.*\(and 1 more empty",
    ):
        _references([write("junk.jsonl", b"[1]\n[2]\n"), write("e.jsonl", b"")], training)


def test_a_reference_in_an_unknown_schema_is_still_refused(write, training):
    good = _jsonl(write, "eval.jsonl", [{"prompt": LEAKED}])
    with pytest.raises(LoadError, match="no known schema"):
        _references([good, write("odd.jsonl", b'{"x": 1}\n')], training)


def test_the_open_file_itself_is_refused_even_under_another_name(write, training):
    with pytest.raises(OverlapError, match="the open file itself"):
        _references([training.path], training)
    copy = write("copy-of-train.jsonl", training.path.read_bytes())
    with pytest.raises(
        OverlapError,
        match=r"copy-of-train\.jsonl: this reference is the "
        r"open file itself",
    ):
        _references([copy], training)


def test_comparing_responses_of_a_prompt_only_reference_is_refused(write, training):
    ref = _jsonl(write, "eval.jsonl", [{"prompt": LEAKED}])
    with pytest.raises(OverlapError, match="prompts only, so ngram matching on responses"):
        _references([ref], training, OverlapConfig(exact=False, near=None, ngram_on="response"))


def test_text_without_spaces_is_matched_whole_but_not_by_ngrams(write):
    """Chinese has no spaces: a clause between punctuation marks is one "word".

    So a reference sentence copied inside a longer record has too few words to form an
    n-gram and is not found at that level; the exact level still finds a verbatim copy, and
    a spaced script in the same file is found by n-grams as usual.
    """
    sentence = "请列出TCP/IP模型的各层，并为每一层指出一个协议。"
    training = load(
        _jsonl(
            write,
            "train.jsonl",
            [
                {"instruction": sentence, "output": "应用层"},
                {"instruction": "背景：我在学习网络。" + sentence + "谢谢！", "output": "应用层"},
                {"instruction": "Background: " + LEAKED + " Thanks!", "output": "ok"},
            ],
        )
    )
    ref = _jsonl(write, "eval.jsonl", [{"prompt": sentence}, {"prompt": LEAKED}])
    result = run_to_end(
        find_overlap(training, _references([ref], training), OverlapConfig(near=None))
    )
    assert result.match_of(0).level == "exact"
    assert result.match_of(1) is None
    assert result.match_of(2).level == "ngram"


def test_two_empty_texts_are_not_an_overlap(write):
    training = load(
        _jsonl(write, "train.jsonl", [{"instruction": "Hi", "input": "", "output": ""}])
    )
    ref = _jsonl(write, "ref.jsonl", [{"instruction": "Other", "input": "", "output": ""}])
    result = run_to_end(
        find_overlap(
            training,
            _references([ref], training),
            OverlapConfig(exact_on="response", near=None, ngram=False),
        )
    )
    assert result.match_of(0) is None


@given(
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1),
    st.text(alphabet=" \t\n", max_size=20),
)
def test_spaces_never_decide_whether_text_is_spaceless(chinese, spaces):
    """Han text is spaceless however it is spaced; text in spaced scripts never is."""
    assert spaceless(chinese) and spaceless(spaces + chinese + spaces)
    assert not spaceless(spaces)


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=200))
def test_latin_text_is_never_spaceless(text):
    assert not spaceless(text)


def test_spaced_scripts_get_no_note_and_spaceless_ones_do(write, training):
    ref = _jsonl(write, "eval.jsonl", [{"prompt": LEAKED}])
    result = run_to_end(find_overlap(training, _references([ref], training), OverlapConfig()))
    assert result.notes == ()
    chinese = _jsonl(write, "zh.jsonl", [{"prompt": "请列出模型的各层并为每一层指出一个协议"}])
    result = run_to_end(
        find_overlap(
            training, _references([chinese], training), OverlapConfig(), notes=["earlier note"]
        )
    )
    assert result.notes[0] == "earlier note"
    assert result.notes[1].startswith(
        "0% of the rows and 100% of the reference records are written without spaces"
    )
    assert len(result.notes) == 2
