# `make run` sets up and starts the server; `make test` sets up and runs the tests.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
INSTALLED := $(VENV)/.installed
JS_CLIENT := node_modules/socket.io-client/dist/socket.io.min.js

.PHONY: run test test-unit bench bridge media setup base-packages packages clean

run: setup
	$(PY) process.py $(ARGS)

# Two workers: most end-to-end tests wait on timers and links, not on the CPU (ARGS="-n 0": one).
TEST_WORKERS ?= 2

test: setup packages
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(ARGS)

# The in-process tier alone (no servers, browsers or players): under a minute.
test-unit: setup
	$(PY) -m pytest -q tests/unit $(ARGS)

bench: setup
	$(PY) -m bench $(ARGS)

# The README's other commands, in the project's environment: `make bridge ARGS="URL --name kitchen"`.
bridge: setup
	$(PY) -m bridge $(ARGS)

media: setup
	$(PY) -m media $(ARGS)

setup: base-packages $(INSTALLED) $(JS_CLIENT)

# A fresh Debian may lack the venv module or npm; install them from Debian's packages.
base-packages:
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { apt-get update -q && apt-get install -y -q python3-venv; }
	@command -v npm >/dev/null || { apt-get update -q && apt-get install -y -q npm; }

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

$(JS_CLIENT): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# What the tests drive, from Debian's packages: Chromium (never Playwright's own download),
# ffmpeg as a real player, and redis-server and nginx for the scale-out tests.
TEST_PACKAGES := chromium ffmpeg redis-server nginx
packages:
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -q && apt-get install -y -q $$missing; fi

clean:
	rm -rf $(VENV) node_modules tests/artifacts
