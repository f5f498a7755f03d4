"""A real OpenAI-compatible judge server for tests: llama.cpp's, serving the SmolLM2 GGUF.

Started as a subprocess on 127.0.0.1 (llama-cpp-python's ``llama_cpp.server``, through
``llama_server_main.py``),
waited for until it lists its model, and stopped by the test that started it. It is the same
model file the local judge reads, so their ratings can be compared row by row.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODEL_NAME = "smollm2"
START_SECONDS = 120


def llama_server_available() -> bool:
    """Whether llama-cpp-python with its server extra is installed."""
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette")
    )


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """``llama_cpp.server`` serving ``gguf`` as :data:`MODEL_NAME` on a free local port.

    ``threads``: llama.cpp's CPU threads (1 for tests on a shared machine). The server has one
    request slot: it answers one request at a time, whatever the client's concurrency.
    """

    def __init__(self, gguf: Path, log: Path, port: int | None = None, threads: int = 1):
        self.port = port or free_port()
        self.log = log
        self._log_file = open(log, "ab")  # noqa: SIM115 - open for the process's lifetime
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("llama_server_main.py")),
                "--model",
                str(gguf),
                "--model_alias",
                MODEL_NAME,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                # logits_all (needed for logprobs) keeps n_ctx × vocabulary floats: a short context.
                "--n_ctx",
                "1024",
                "--n_threads",
                str(threads),
                "--n_batch",
                "512",
                "--logits_all",
                "True",
                "--verbose",
                "False",
            ],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        """The OpenAI-style base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root(self) -> str:
        """``http://host:port`` (what a proxy forwards to)."""
        return f"http://127.0.0.1:{self.port}"

    def _wait(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"llama server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """End the server process (a test may do this mid-run: the server dies)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        if not self._log_file.closed:
            self._log_file.close()
