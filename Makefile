# The two commands that matter: `make run` and `make test`. Both work on a fresh machine
# with nothing but Python 3.11+ and the package registries.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test test-resilience install lock lint format chromium nginx screenshots bench bench-quick bench-cpu bench-pages bench-compression bench-anchoring bench-related bench-discovery bench-spam bench-restart bench-migration bench-live worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs the exact versions in requirements.lock (hash-checked), then the project
# itself; again whenever the lock or pyproject.toml changes.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Re-resolve requirements.lock from pyproject.toml after adding or changing a
# dependency there. Versions already locked are kept where they still fit; to move
# everything to the newest allowed: make lock LOCK_ARGS=--upgrade
lock: | $(BIN)/python
	@[ -x $(BIN)/uv ] || $(BIN)/python -m pip install --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--quiet $(LOCK_ARGS) -o requirements.lock

install: $(VENV)/.installed
	@$(BIN)/python -m broadsheet.vendor

# Serve the demo newsroom on http://$(HOST):$(PORT) with the development server; beside
# it, the task worker (emails, related lists, search index) and the scheduler (scheduled
# publishing). Emails are printed to this terminal, one line each, unless EMAIL_URL names
# an SMTP server. Its last lines say where to sign in and how to make a first editor.
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/broadsheet migrate --noinput
	DEBUG=$${DEBUG:-1} CACHE_BACKEND=$${CACHE_BACKEND:-database} $(BIN)/broadsheet createcachetable
	DEBUG=$${DEBUG:-1} BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/broadsheet seed_demo --if-empty
	@export DEBUG=$${DEBUG:-1} BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} \
		CACHE_BACKEND=$${CACHE_BACKEND:-database}; \
	$(BIN)/broadsheet scheduler & scheduler=$$!; \
	$(BIN)/broadsheet worker --no-reload & worker=$$!; \
	$(BIN)/broadsheet runserver $(HOST):$(PORT) & server=$$!; \
	trap 'kill $$scheduler $$worker $$server 2>/dev/null' EXIT INT TERM; \
	$(BIN)/broadsheet welcome --wait 60; \
	wait $$server

# The background task worker alone (production runs it beside the web server).
worker: install
	$(BIN)/broadsheet worker

# The whole suite but the resilience tests (make test-resilience). Browser tests drive
# Debian's Chromium, the front-cache test Debian's nginx with its cache-purge module (both
# installed here when missing). A -m in PYTEST_ARGS replaces the one here. On pytest-xdist
# workers, one per core by default (PYTEST_WORKERS=auto; a number for that many, 0 for one
# process), each test file whole on one worker, the longest files first (by the last run's
# times, var/test-durations.json), each worker with its own test database (copied from a
# template migrated once, var/test-template-*) and cache keys; collectstatic runs once,
# before the workers start. A test that flushes the
# database (transactional) has the rows migrations made put back after it (conftest.py), so
# the order a worker runs files in does not matter. See DEVELOPERS.md.
PYTEST_WORKERS ?= auto
XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)
test: install chromium nginx
	SECRET_KEY=$${SECRET_KEY:-test-only-secret} $(BIN)/pytest $(XDIST) -m "not resilience" \
		--durations=30 $(PYTEST_ARGS)

# Bad days, bounded to about 8 minutes: the tests marked resilience (services killed,
# hung and brought back), then the load and crash round (bench/resilience.py): 64 clients
# posting for 30 s on SQLite and on PostgreSQL, the server and the worker killed with
# SIGKILL midway; fails on any acknowledged write or email lost or duplicated.
# RESILIENCE_CLIENTS, RESILIENCE_SECONDS, RESILIENCE_DATABASES=sqlite for one round.
test-resilience: install
	SECRET_KEY=$${SECRET_KEY:-test-only-secret} $(BIN)/pytest -m resilience $(PYTEST_ARGS); \
		status=$$?; [ $$status = 0 ] || [ $$status = 5 ]  # 5: no test carries the marker
	$(BIN)/python bench/resilience.py

chromium:
	@if [ -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at /usr/bin/chromium (or set CHROMIUM=path): sudo apt-get install chromium" >&2; \
		exit 1; \
	fi

nginx:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then \
		if [ -f /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ]; then exit 0; fi; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's nginx and its cache-purge module for the front-cache test"; \
		apt-get install -y -qq nginx libnginx-mod-http-cache-purge >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq nginx libnginx-mod-http-cache-purge >/dev/null; }; \
	else \
		echo "The front-cache test needs nginx: sudo apt-get install nginx libnginx-mod-http-cache-purge" >&2; \
		exit 1; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate docs/screenshots/*.png: the demo newsroom, and the desk (an editor
# publishing an article from an empty newsroom, docs/editorial.md; a moderator's queue,
# docs/moderation.md).
screenshots: install chromium
	SECRET_KEY=$${SECRET_KEY:-test-only-secret} $(BIN)/pytest broadsheet/newsroom/tests/test_browser.py \
		broadsheet/newsroom/tests/test_browser_desk.py \
		broadsheet/moderation/tests/test_browser_moderator.py --screenshots=docs/screenshots

# The whole product under load (production server, wrk, an nginx static-file baseline)
# on 10,000 articles, 1,000,000 comments and 100,000 ratings, plus the quality
# benchmarks and live threads (bench/live.py): bench/results/latest.json and a table. Sizes: BENCH_ARTICLES,
# BENCH_COMMENTS, BENCH_RATINGS; PostgreSQL with DATABASE_URL. Installs wrk and nginx.
bench: install
	$(BIN)/python bench/load.py
	$(BIN)/python bench/cpu.py
	$(BIN)/python bench/live.py

# The same on a small dataset, in under three minutes.
bench-quick: install
	BENCH_QUICK=1 $(BIN)/python bench/load.py
	BENCH_QUICK=1 $(BIN)/python bench/cpu.py

# CPU per request of the server (articles rendered, comment API, comment POST, vote,
# rating): this checkout and the baseline commit (BENCH_CPU_BASELINE_REF, default
# 72c2264) side by side in the same run, the ratio now / baseline beside issue 19's
# targets; on SQLite, and on PostgreSQL too with DATABASE_URL. Part of `make bench`
# (bench-quick: this checkout alone, against bench/results/cpu-baseline.json).
bench-cpu: install
	$(BIN)/python bench/cpu.py

# Queries and server-side render time of each page on the demo newsroom.
bench-pages: install
	$(BIN)/python bench/pages.py

# Bytes on the wire and server CPU per cached hit, plain and gzip (bench/compression.py).
bench-compression: install
	$(BIN)/python bench/compression.py

# Share of passage anchors that land right after generated edits.
bench-anchoring: install
	$(BIN)/python bench/anchoring.py

# Related-article precision at 3 on generated story clusters.
bench-related: install
	$(BIN)/python bench/related.py

# Search time and per-publication related cost at 100,000 articles (BENCH_ARTICLES).
# Builds the archive once (about a minute) into var/bench/ and reuses it.
bench-discovery: install
	$(BIN)/python bench/discovery.py

# How fast the site answers again after kill -9 of the server, of a worker, of all workers.
bench-restart: install
	$(BIN)/python bench/restart.py

# Spam filter precision and recall on a held-out labelled corpus: rules vs trained.
bench-spam: install
	$(BIN)/python bench/spam.py

# The WordPress import on a generated WXR export (BENCH_WXR_MB, default 50): items per
# second and peak memory (run at two sizes to see memory stay flat).
bench-migration: install
	$(BIN)/python bench/migration.py

clean:
	rm -rf $(VENV) var/test-* .pytest_cache
