"""python main.py inspect FILE [--json]: what a curator or a script sees."""

import subprocess
import sys

import orjson

from tests.conftest import ROOT, SAMPLE


def run(*args):
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, check=False
    )


def test_json_report_of_the_sample_lists_its_two_bad_lines():
    result = run("inspect", str(SAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    report = orjson.loads(result.stdout)
    assert (report["format"], report["schema"], report["records"]) == ("jsonl", "alpaca", 294)
    assert [b["line"] for b in report["bad_lines"]] == [38, 152]
    assert all(b["reason"] for b in report["bad_lines"])


def test_text_report_names_format_schema_and_bad_lines(shared_data):
    result = run("inspect", str(shared_data / "gsm_8k_train.json"))
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "Format:   json" in out and "alpaca" in out and "7,473 usable" in out


def test_mapping_flags(write):
    path = write("a.jsonl", b'{"ask": "q", "reply": "a"}\n')
    assert run("inspect", str(path)).returncode == 1
    result = run(
        "inspect", str(path), "--prompt-field", "ask", "--response-field", "reply", "--json"
    )
    assert orjson.loads(result.stdout)["schema"] == "mapped"


def test_unreadable_file_exits_non_zero_with_one_line(tmp_path):
    result = run("inspect", str(tmp_path / "nope.jsonl"))
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "nope.jsonl" in lines[0] and "Traceback" not in lines[0]
