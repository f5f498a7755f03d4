"""Shared fixtures: offscreen Qt, real datasets, and tiny reward models built from a config."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core.loading import load
from core.scoring.model_factory import SIMPLE_CHAT_TEMPLATE, build_reward_model

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "resources" / "sample" / "sample_sft.jsonl"


@pytest.fixture
def shared_data() -> Path:
    """The folder of real datasets; tests that need it are skipped where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


@pytest.fixture
def write(tmp_path):
    """Write bytes or text to a file in tmp_path and return its path."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return _write


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """THRESHER_DATA_DIR in the test's own folder: projects, backups and embedders land there.

    A test folder whose every test needs it overrides it with an autouse fixture of the same
    name that asks for this one.
    """
    folder = tmp_path / "data"
    monkeypatch.setenv("THRESHER_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the sample dataset in tmp_path (its project file lands beside it)."""
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


@pytest.fixture(scope="session")
def sample():
    """The bundled sample dataset."""
    return load(SAMPLE)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, sample) -> Path:
    """A 2-layer DeBERTa-v2 reward model with a WordPiece tokenizer, saved as safetensors."""
    return build_reward_model(
        tmp_path_factory.mktemp("tiny-rm"), sample.prompts + sample.responses, max_length=256
    )


@pytest.fixture(scope="session")
def chat_model(tmp_path_factory, sample) -> Path:
    """The tiny model with a chat template in its tokenizer."""
    return build_reward_model(
        tmp_path_factory.mktemp("chat-rm"),
        sample.prompts + sample.responses,
        max_length=256,
        chat_template=SIMPLE_CHAT_TEMPLATE,
    )


@pytest.fixture(scope="session")
def two_head_model(tmp_path_factory, sample) -> Path:
    """A tiny model with two outputs."""
    return build_reward_model(
        tmp_path_factory.mktemp("two-head-rm"),
        sample.prompts + sample.responses,
        num_labels=2,
        seed=1,
    )


@pytest.fixture(scope="session")
def fast_embedder_build(tmp_path_factory):
    """The fast embedder distilled once per session, as a user's first run builds it.

    Returns the data folder it was built in and the progress the build reported. Tests that
    need it in their own data folder use :func:`fast_embedder_in` (a copy is seconds; a build
    is half a minute).
    """
    from core.dedup.embedder import embedder_files
    from core.dedup.static_embedder import FOLDER_NAME, ensure_static_model

    data = tmp_path_factory.mktemp("fast-embedder")
    folder = data / "embedders" / FOLDER_NAME
    progress = []
    generator = ensure_static_model(embedder_files("fast"), folder)
    while True:
        try:
            progress.append(next(generator))
        except StopIteration as done:
            assert done.value == folder
            return folder, progress


def fast_embedder_in(data_dir: Path, built: Path) -> Path:
    """Copy the session's built fast embedder into ``data_dir``, where a run looks for it."""
    import shutil

    target = data_dir / "embedders" / built.name
    shutil.copytree(built, target)
    return target
