"""The Qt binding must survive a curator's session: signal emits may not leak references.

PySide6 6.12.0 drops one reference to ``True`` (or ``None``) on every Python-side
``Signal.emit()``; on Python 3.11, where those singletons are not immortal, a few thousand
keyboard decisions abort the process (``Fatal Python error: bool_dealloc``). The pin in
pyproject.toml and constraints.txt excludes that release; this test catches any binding that
leaks, whatever its version, by emitting in a child process (an abort must not take pytest down).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

EMITS = 50_000

CHILD = f"""
import json, sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Emitter(QObject):
    bare = Signal()
    flag = Signal(bool)
    anything = Signal(object)

app = QCoreApplication([])
emitter = Emitter()
seen = [0]
def count(*_args):
    seen[0] += 1
emitter.bare.connect(count)
emitter.flag.connect(count)
emitter.anything.connect(count)
true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
for _ in range({EMITS}):
    emitter.bare.emit()
    emitter.flag.emit(True)
    emitter.anything.emit(None)
print(json.dumps({{"true": sys.getrefcount(True) - true_before,
                  "none": sys.getrefcount(None) - none_before, "seen": seen[0]}}))
"""


def test_signal_emits_leave_true_and_none_refcounts_flat():
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"the Qt binding aborted the interpreter after signal emits (a leaking PySide6; "
        f"see constraints.txt): {result.stderr[-500:]}"
    )
    drift = json.loads(result.stdout)
    assert drift["seen"] == 3 * EMITS
    # A leak loses one reference per emit; a few stray references either way are noise.
    assert abs(drift["true"]) < 100 and abs(drift["none"]) < 100, drift


def test_the_pinned_binding_is_one_pyproject_allows_here():
    """constraints.txt and pyproject.toml agree, and neither lets 6.12.0 onto Python 3.11."""
    import tomllib

    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = default_environment()
    wanted = [
        r
        for r in map(Requirement, project["dependencies"])
        if r.name.lower() == "pyside6-essentials"
        and (r.marker is None or r.marker.evaluate(environment))
    ]
    assert len(wanted) == 1
    assert wanted[0].specifier.contains(pins["pyside6-essentials"])
    assert pins["shiboken6"] == pins["pyside6-essentials"]
    py311 = environment | {"python_version": "3.11", "python_full_version": "3.11.7"}
    for requirement in map(Requirement, project["dependencies"]):
        if requirement.name.lower() == "pyside6-essentials" and requirement.marker.evaluate(py311):
            assert not requirement.specifier.contains("6.12.0")
