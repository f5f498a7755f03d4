"""Safe, offline model loading: safetensors only, no custom code, quick clear misses."""

from __future__ import annotations

import hashlib
import pickle
import shutil
import time

import pytest

from core.scoring import ScoreConfig, locate_model, make_scorer
from core.scoring.model_files import ModelNotFoundError, UnsafeModelError
from core.scoring.reward_model import ModelLoadError


class _CreatesSentinel:
    """Unpickling this runs code: it creates the file named in ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_folder_with_only_pickle_weights_is_refused_and_never_unpickled(tiny_model, tmp_path):
    folder = tmp_path / "pickle-only"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_model / name, folder / name)
    sentinel = tmp_path / "SENTINEL"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_CreatesSentinel(sentinel)))
    with pytest.raises(UnsafeModelError, match=r"only pickle weights.*pytorch_model\.bin"):
        make_scorer(ScoreConfig(model=str(folder), device="cpu"))
    assert not sentinel.exists()


def test_a_model_that_needs_custom_code_is_refused(tiny_model, tmp_path):
    folder = shutil.copytree(tiny_model, tmp_path / "custom")
    config = (folder / "config.json").read_text()
    (folder / "config.json").write_text(
        config.replace(
            "{", '{"auto_map": {"AutoModelForSequenceClassification": "modeling.RM"},', 1
        )
    )
    with pytest.raises(UnsafeModelError, match="requires custom code"):
        locate_model(str(folder))


def test_a_model_missing_from_the_cache_fails_fast_naming_it_and_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    started = time.monotonic()
    with pytest.raises(ModelNotFoundError) as caught:
        make_scorer(ScoreConfig(model="OpenAssistant/reward-model-deberta-v3-large-v2"))
    message = str(caught.value)
    assert time.monotonic() - started < 2
    assert "OpenAssistant/reward-model-deberta-v3-large-v2" in message
    assert str(tmp_path / "hub") in message and "main.py download" in message


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does-not-exist"):
        locate_model(str(tmp_path / "does-not-exist"))


def test_a_folder_that_is_not_a_model_is_named(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"no config\.json"):
        locate_model(str(tmp_path))


def test_provenance_records_the_weight_files_sha256(tiny_model):
    files = locate_model(str(tiny_model))
    weights = (tiny_model / "model.safetensors").read_bytes()
    assert files.weights == {"model.safetensors": hashlib.sha256(weights).hexdigest()}
    assert files.revision == "local" and len(files.tokenizer_sha256) == 64


def test_an_output_index_the_model_lacks_is_refused(tiny_model):
    with pytest.raises(ModelLoadError, match="out of range: the model has 1 output"):
        make_scorer(ScoreConfig(model=str(tiny_model), device="cpu", output_index=3))


def test_a_hub_cache_snapshot_is_found_offline_with_its_revision(tiny_model, tmp_path, monkeypatch):
    hub = tmp_path / "hub"
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = hub / "models--acme--tiny-rm"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    for file in tiny_model.iterdir():
        shutil.copy(file, snapshot / file.name)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(hub))
    monkeypatch.setattr(
        "huggingface_hub._snapshot_download.constants.HF_HUB_CACHE", str(hub), raising=False
    )
    files = locate_model("acme/tiny-rm")
    assert files.path == snapshot and files.revision == commit
