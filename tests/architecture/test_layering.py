"""core/ must stay headless: importing it never loads Qt or plotting."""

import subprocess
import sys

from tests.conftest import ROOT


def test_importing_every_core_module_loads_no_qt():
    code = (
        "import pkgutil, importlib, sys, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'superqt', 'gui')]\n"
        "print(len([m for m in sys.modules if m.startswith('core.')]))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 10  # the walk really imported the core


def test_inspect_runs_without_importing_qt(tmp_path):
    code = (
        "import sys, main\n"
        "rc = main.main(['inspect', 'resources/sample/sample_sft.jsonl', '--json'])\n"
        "assert 'PySide6' not in sys.modules\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
