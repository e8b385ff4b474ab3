PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/beltroad data check
	$(VENV)/bin/beltroad route Chongqing Duisburg --alternatives 3
	$(VENV)/bin/beltroad route Chongqing Duisburg --avoid-country RUS --avoid-country BLR --alternatives 2

test: $(STAMP)
	$(VENV)/bin/beltroad data check
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/route_latency.py

clean:
	rm -rf $(VENV) .pytest_cache
