"""llama-cpp-python's OpenAI-compatible server, with llama.cpp's extra weight buffers off.

A llama.cpp built for this CPU repacks Q4 weights into AMX tiles, which the sandboxes these tests
run in do not allow: the server dies with SIGILL on its first request. Plain CPU buffers give the
same model and ratings (a little slower). Run as a script with the server's own arguments.
"""

from __future__ import annotations

import sys

import llama_cpp.llama_cpp as low

_default_params = low.llama_model_default_params


def _params():
    params = _default_params()
    params.use_extra_bufts = False
    return params


low.llama_model_default_params = _params

if __name__ == "__main__":
    from llama_cpp.server.__main__ import main

    sys.exit(main())
