PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-appraise clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/beltroad data check
	$(VENV)/bin/beltroad route Chongqing Duisburg --alternatives 3
	$(VENV)/bin/beltroad route Chongqing Duisburg --scenario no-russia-belarus-transit --alternatives 2
	$(VENV)/bin/beltroad compare pre-bri-2013 bri-built --cities world-200 --out out/pre-bri-2013_vs_bri-built

test: $(STAMP)
	$(VENV)/bin/beltroad data check
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/route_latency.py
	$(PY) benchmarks/api_route_cpu.py
	$(PY) benchmarks/skim.py
	$(PY) benchmarks/api_load.py
	$(PY) benchmarks/impact.py
	$(PY) benchmarks/assign.py

bench-appraise: $(STAMP)  # minutes: every BRI project twice on world-1000, with 1 and 2 dask workers
	$(PY) benchmarks/appraise.py

clean:
	rm -rf $(VENV) .pytest_cache
