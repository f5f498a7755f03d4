"""Fixtures for scoring tests: tiny reward models built from a config, and no network at all."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from core.loading import load
from core.scoring.model_factory import SIMPLE_CHAT_TEMPLATE, build_reward_model
from tests.conftest import SAMPLE


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: scoring must work offline."""
    def refuse(self, address):
        raise AssertionError(f"scoring tried to connect to {address}")
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture(scope="session")
def sample():
    """The bundled sample dataset."""
    return load(SAMPLE)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, sample) -> Path:
    """A 2-layer DeBERTa-v2 reward model with a WordPiece tokenizer, saved as safetensors."""
    return build_reward_model(tmp_path_factory.mktemp("tiny-rm"),
                              sample.prompts + sample.responses, max_length=256)


@pytest.fixture(scope="session")
def chat_model(tmp_path_factory, sample) -> Path:
    """The tiny model with a chat template in its tokenizer."""
    return build_reward_model(tmp_path_factory.mktemp("chat-rm"),
                              sample.prompts + sample.responses, max_length=256,
                              chat_template=SIMPLE_CHAT_TEMPLATE)


@pytest.fixture(scope="session")
def two_head_model(tmp_path_factory, sample) -> Path:
    """A tiny model with two outputs."""
    return build_reward_model(tmp_path_factory.mktemp("two-head-rm"),
                              sample.prompts + sample.responses, num_labels=2, seed=1)
