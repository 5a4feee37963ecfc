# `make run` sets up and starts the server; `make test` sets up and runs the tests.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
INSTALLED := $(VENV)/.installed
JS_CLIENT := node_modules/socket.io-client/dist/socket.io.min.js

.PHONY: run test bench setup browser clean

run: setup
	$(PY) process.py $(ARGS)

test: setup browser
	$(PY) -m pytest -q $(ARGS)

bench: setup
	$(PY) -m bench $(ARGS)

setup: $(INSTALLED) $(JS_CLIENT)

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

$(JS_CLIENT): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Browser tests use Debian's Chromium (never Playwright's own download).
browser:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

clean:
	rm -rf $(VENV) node_modules tests/artifacts
