# Two commands matter: `make run` (the whole service locally) and `make test` (the whole suite).
# Both create the virtualenv on first use; nothing has to be installed by hand. The venv gets exactly
# the versions pinned (with hashes) in requirements.lock; `make lock` re-resolves it (maintainers).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# The lock's resolver, in a throwaway venv of `make lock` only (never in .venv, never at run time).
PIP_TOOLS ?= pip-tools==7.6.2
PG_HOST := 127.0.0.1
PG_PORT := 5432

.PHONY: run test lint bench bench-search bench-screening clean distclean venv lock postgres chromium chaos bench-e2e

run: $(STAMP)  ## dev server + Web UI, SMTP sink, database, worker; submits the examples; Ctrl-C stops
	$(PY) -m devstack.local_stack

test: $(STAMP) postgres chromium  ## the whole suite (pytest args: make test ARGS="-k compose -x")
	$(PY) -m tests.run $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy models runtime screening registry activities workflows clients starter admin api devstack chaos worker.py benchmarks tests

bench: $(STAMP)
	$(PY) -m benchmarks.matcher_bench

bench-search: $(STAMP)
	$(PY) -m benchmarks.search_bench

bench-screening: $(STAMP)  ## the labelled request corpus (benchmarks/corpus/) through the screening rules
	$(PY) -m benchmarks.screening_bench

# The fault harness (chaos/, README "Fault harness"): the real stack, a scripted population through every
# path, workers, the dev server, the API, PostgreSQL and the mail server broken on purpose; one line of
# figures, non-zero on anything lost, duplicated or stuck. CHAOS_ARGS="--profile long", or "--load 1000".
chaos: $(STAMP) postgres
	$(PY) -m chaos $(or $(CHAOS_ARGS),--profile short)

# The whole path at scale: dev server, worker, API and a same-shape skeleton, started and stopped by the
# benchmark (README, "Whole path at scale"). BENCH_ARGS="--requests 500 --open-cases 10000 --postgres".
bench-e2e: $(STAMP)
	$(PY) -m benchmarks.e2e_bench $(BENCH_ARGS)

venv: $(STAMP)

# The pinned set (runtime + dev extras, hash-checked), then the project itself without resolving
# anything again; redone whenever pyproject.toml or the lock changes.
$(STAMP): pyproject.toml $(LOCK)
	@# PyICU (under rigour's transliteration of names) builds from source against ICU.
	@if ! { pkg-config --exists icu-i18n 2>/dev/null && command -v g++ >/dev/null 2>&1; }; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing ICU's headers, pkg-config and g++ (PyICU builds against them)"; \
	    apt-get update -qq </dev/null && apt-get install -y -qq --no-install-recommends libicu-dev pkg-config g++ </dev/null; \
	  else \
	    echo "PyICU needs ICU's headers, pkg-config and a C++ compiler: install libicu-dev pkg-config g++" >&2; exit 1; \
	  fi; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -r $(LOCK)
	$(VENV)/bin/pip install --disable-pip-version-check --no-deps -e .
	$(VENV)/bin/pip check
	touch $@

# Maintainer's command: re-resolve requirements.lock from pyproject.toml (runtime + the dev extra) with
# pip-compile, keeping every pin that still fits; LOCK_ARGS=--upgrade moves them all to the newest,
# LOCK_ARGS="--upgrade-package temporalio" one. Run it with the Python CI uses (3.11), then `make test`.
lock:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp/venv" && \
	"$$tmp/venv/bin/pip" install --quiet --disable-pip-version-check '$(PIP_TOOLS)' && \
	CUSTOM_COMPILE_COMMAND="make lock" "$$tmp/venv/bin/pip-compile" --quiet --extra dev --strip-extras \
	  --allow-unsafe --generate-hashes --no-emit-index-url --no-emit-find-links \
	  $(LOCK_ARGS) --output-file $(LOCK) pyproject.toml

# PostgreSQL on 127.0.0.1:5432 for the tests that need the real thing: started when it is down and
# this machine has Debian's cluster tools. If it still does not answer, a local run warns and those
# tests are skipped, saying why; under CI=true this target fails (and so would those tests).
postgres:
	@if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h $(PG_HOST) -p $(PG_PORT); then \
	  exit 0; \
	elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n 1) main start \
	    || echo "warning: could not start PostgreSQL" >&2; \
	  for i in $$(seq 30); do pg_isready -q -h $(PG_HOST) -p $(PG_PORT) && exit 0; sleep 1; done; \
	fi; \
	case "$${CI:-}" in \
	  1|true|TRUE|True|yes) \
	    echo "error: PostgreSQL is not answering on $(PG_HOST):$(PG_PORT) and cannot be started here (CI=true)" >&2; \
	    exit 1;; \
	  *) echo "warning: PostgreSQL is not answering on $(PG_HOST):$(PG_PORT); its tests will be skipped" >&2;; \
	esac

clean:  ## local state (embedded databases, mail, Temporal's file) and caches; keeps the venv
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info

# Debian's Chromium for the browser tests (Playwright drives the system binary; nothing is downloaded
# at run time). Installed when missing and this user can; otherwise a local run warns and the browser
# tests skip, saying why; under CI=true they fail.
chromium:
	@command -v chromium >/dev/null 2>&1 && exit 0; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium for the browser tests"; \
	  apt-get update -qq </dev/null && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core </dev/null \
	    || echo "warning: could not install chromium" >&2; \
	else \
	  echo "warning: chromium is not installed; the browser tests will be skipped (CI=true fails them)" >&2; \
	fi
