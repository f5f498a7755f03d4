# Thresher: two commands do everything.  `make run` opens the app, `make test` runs the suite.
# Both create .venv/ on first use and install what the project needs.
#
#   SYSTEM_TORCH=1   build .venv with --system-site-packages, so a torch (e.g. a CUDA build)
#                    installed in the base interpreter is used instead of installing one.
#   PYTHON=python3.12  choose the interpreter that creates the venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TORCH_PIN := torch==2.13.0
FILE ?=

VENV_FLAGS := $(if $(SYSTEM_TORCH),--system-site-packages,)

.PHONY: run test test-server lint bench dist dist-test clean

$(PY):
	$(PYTHON) -m venv $(VENV_FLAGS) $(VENV)

# torch first, and only when none is importable: an installed build (CUDA, ROCm, MPS) is kept.
# Then the declared dependencies, constrained to the tested versions (constraints.txt); torch>=2.10
# is already satisfied so pip pulls no CUDA wheels.
$(STAMP): pyproject.toml constraints.txt scripts/requirements.py | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	@if $(PY) -c "import torch" 2>/dev/null; then \
		echo "keeping installed torch $$($(PY) -c 'import torch; print(torch.__version__)')"; \
	else \
		$(PY) -m pip install --quiet "$(TORCH_PIN)"; \
	fi
	$(PY) scripts/requirements.py dev ray > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	$(PY) scripts/requirements.py --no-deps dev ray > $(VENV)/requirements-no-deps.txt
	$(PY) -m pip install --quiet --no-deps -r $(VENV)/requirements-no-deps.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) main.py $(FILE)

# Style, layering and types: what review would otherwise catch by eye (also the pre-commit hook).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# The endpoint judge against a real OpenAI-compatible server (llama.cpp's): installs the
# judge-server extra first, which compiles llama.cpp once (no CPU wheel on PyPI).
test-server: $(STAMP)
	$(PY) scripts/requirements.py judge-server > $(VENV)/requirements-server.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-server.txt
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests/judge

bench: $(STAMP)
	$(PY) benchmarks/bench_load.py
	$(PY) benchmarks/bench_score.py --heartbeat
	$(PY) benchmarks/bench_review.py
	$(PY) benchmarks/bench_dedup.py
	$(PY) benchmarks/bench_overlap.py
	$(PY) benchmarks/bench_plots.py
	$(PY) benchmarks/bench_ray.py

# The desktop bundle (build.spec): one folder, dist/Thresher/, runnable without Python.
dist: $(STAMP)
	@start=$$(date +%s); \
	$(PY) -m PyInstaller build.spec --noconfirm --log-level WARN && \
	echo "built dist/Thresher in $$(( $$(date +%s) - start )) s, $$(du -sh dist/Thresher | cut -f1)"

# Build, then run the bundle's self-test (tiny model, sample, score, export, verify, window).
dist-test: dist
	dist/Thresher/Thresher --self-test

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis
