# The two commands a newcomer needs: `make demo` and `make test`.
# Everything else here is how they install what is missing on a fresh machine.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test setup system-deps python-deps js-deps build clean

demo: setup
	$(VPY) -m tensorweb serve --host $(HOST) --port $(PORT)

test: setup
	$(VPY) scripts/run_tiers.py

setup: system-deps python-deps js-deps build

system-deps:
	@scripts/install-system-deps.sh

python-deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[dev]'
	touch $@

js-deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: js-deps
	npm run -s build

clean:
	rm -rf $(VENV) node_modules js/dist test-artifacts
