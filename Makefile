# The two commands of the README: `make run` serves DreamChat, `make test` runs every test.
# `make test-fast` runs the tests that start no server process and no browser (markers in pytest.ini).
# Both set themselves up on a fresh machine (a virtualenv in .venv, the database, a browser for tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export FLASK_APP := app.py

.PHONY: run test test-fast test-js dev browser nginx cluster clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m flask db upgrade
	$(PY) app.py

dev: $(VENV)/.runtime
	$(PY) -m flask db upgrade
	$(PY) -m flask run --debug

browser:
	scripts/install-browser

# Debian's nginx, for `make cluster` and the cluster tests (tests/test_cluster.py).
nginx:
	scripts/install-nginx

# N processes on PostgreSQL and Redis behind nginx on http://127.0.0.1:8000 (README, "Scaling out"):
# make cluster CLUSTER_ARGS="--processes 2 --port 8080 --websocket-only"
cluster: $(VENV)/.runtime nginx
	$(PY) scripts/cluster.py $(CLUSTER_ARGS)

test: $(VENV)/.dev browser nginx test-js
	$(PY) -m pytest $(PYTEST_ARGS)

# No server process, no browser: the quick loop while working (well under a minute).
test-fast: $(VENV)/.dev test-js
	$(PY) -m pytest -m "not live and not browser" $(PYTEST_ARGS)

# The chat page's DOM-free modules under node's own test runner.
test-js:
	node --test tests/js/*.test.mjs

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
