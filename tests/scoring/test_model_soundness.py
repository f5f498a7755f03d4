"""Model folders that would load but score wrongly are refused, each in one line naming it.

A folder without a tokenizer, a base model without its trained head, a corrupt weights file and
a file given where a folder is wanted: transformers would score (or crash) on each; Thresher
says what is wrong instead, wherever the loader is used (score, dedup's and map's embedder).
"""

from __future__ import annotations

import shutil

import orjson
import pytest

from cli import main
from core.scoring import ScoreConfig, locate_model, make_scorer
from core.scoring.causal_lm import locate_causal_lm
from core.scoring.model_files import BrokenModelError, ModelNotFoundError
from core.transformers_import import load_transformers
from tests.conftest import SAMPLE


def _copy(source, folder, names):
    folder.mkdir()
    for name in names:
        shutil.copy(source / name, folder / name)
    return folder


def test_a_folder_without_tokenizer_files_is_refused_naming_what_was_looked_for(
    tiny_model, tmp_path
):
    folder = _copy(tiny_model, tmp_path / "no-tokenizer", ["config.json", "model.safetensors"])
    with pytest.raises(BrokenModelError) as caught:
        make_scorer(ScoreConfig(model=str(folder), device="cpu"))
    message = str(caught.value)
    assert message.startswith(str(folder)) and "\n" not in message
    assert "has no tokenizer files (tokenizer.json, vocab.txt" in message
    assert message.endswith("it cannot read text")


@pytest.fixture(scope="module")
def base_model(tiny_model, tmp_path_factory):
    """The tiny model's encoder alone (no head), with a config naming the classification class."""
    load_transformers("AutoConfig", "DebertaV2Model")
    from transformers import AutoConfig, DebertaV2Model

    folder = tmp_path_factory.mktemp("base-model")
    DebertaV2Model(AutoConfig.from_pretrained(tiny_model)).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_model / name, folder / name)
    config = orjson.loads((folder / "config.json").read_bytes())
    config["architectures"] = ["DebertaV2ForSequenceClassification"]
    (folder / "config.json").write_bytes(orjson.dumps(config))
    return folder


def test_a_base_model_without_a_trained_head_is_not_a_reward_model(base_model):
    with pytest.raises(BrokenModelError) as caught:
        make_scorer(ScoreConfig(model=str(base_model), device="cpu"))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(base_model))
    assert "has no trained scoring head (classifier.weight" in message
    assert message.endswith("it is a base model, not a reward model")


def test_a_reward_model_missing_any_weight_is_refused(tiny_model, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = shutil.copytree(tiny_model, tmp_path / "holed")
    weights = load_file(folder / "model.safetensors")
    dropped = next(key for key in weights if "encoder.layer.1" in key)
    del weights[dropped]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(BrokenModelError, match="lacks trained weights"):
        make_scorer(ScoreConfig(model=str(folder), device="cpu"))


@pytest.fixture
def garbage_model(tiny_model, tmp_path):
    folder = _copy(tiny_model, tmp_path / "garbage", ["config.json", "tokenizer.json"])
    (folder / "model.safetensors").write_bytes(b"\xff" * 64)
    return folder


@pytest.mark.parametrize(
    "command",
    [
        ["score", str(SAMPLE), "--device", "cpu", "-o", "{out}.csv", "--model"],
        ["dedup", str(SAMPLE), "--semantic", "-o", "{out}.csv", "--embedder"],
        ["map", str(SAMPLE), "--device", "cpu", "-o", "{out}.parquet", "--embedder"],
    ],
    ids=["score", "dedup", "map"],
)
def test_a_corrupt_weights_file_is_one_line_naming_it_in_every_command(
    command, garbage_model, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("THRESHER_DATA_DIR", str(tmp_path / "data"))
    argv = [arg.replace("{out}", str(tmp_path / "out")) for arg in command]
    assert main([*argv, str(garbage_model)]) != 0
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert str(garbage_model / "model.safetensors") in err
    assert "not a readable safetensors file" in err and "header too large" in err


def test_a_file_given_as_a_model_folder_is_called_a_file(tiny_model):
    weights = tiny_model / "model.safetensors"
    with pytest.raises(ModelNotFoundError, match=r"is a file, not a model folder"):
        locate_model(str(weights))


def test_a_gguf_file_is_still_a_judge_model_path(tmp_path):
    gguf = tmp_path / "judge.gguf"
    gguf.write_bytes(b"GGUF")
    files = locate_causal_lm(str(gguf))
    assert files.path == gguf and files.revision == "gguf"
    (tmp_path / "folder.gguf").mkdir()
    with pytest.raises(ModelNotFoundError, match="is a folder, not a GGUF file"):
        locate_causal_lm(str(tmp_path / "folder.gguf"))
