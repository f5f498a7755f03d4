"""Print the project's runtime and dev requirements from pyproject.toml, one per line.

The app runs from the repository root and is never installed as a wheel (its top-level package
names, ``core`` and ``gui``, are too generic to publish), so the set-up installs the declared
dependencies directly instead of ``pip install -e .``.

The first line is ``-c constraints.txt`` (an absolute path): the versions the suite passed with,
so a fresh install gets the tested set, not whatever the ranges allow that day.
"""

import sys
import tomllib
from pathlib import Path

root = Path(__file__).resolve().parent.parent
project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
extras = sys.argv[1:] or ["dev"]
lines = list(project["dependencies"])
for extra in extras:
    lines += project["optional-dependencies"].get(extra, [])
print("\n".join([f"-c {root / 'constraints.txt'}", *lines]))
