"""Scoring tests run with no network at all."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: scoring must work offline."""

    def refuse(self, address):
        raise AssertionError(f"scoring tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
