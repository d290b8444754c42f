# Two commands matter: `make run` (the whole service locally) and `make test` (the whole suite).
# Both create the virtualenv on first use; nothing has to be installed by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PG_HOST := 127.0.0.1
PG_PORT := 5432

.PHONY: run test lint bench bench-search clean distclean venv postgres

run: $(STAMP)  ## dev server + Web UI, SMTP sink, database, worker; submits the examples; Ctrl-C stops
	$(PY) -m devstack.local_stack

test: $(STAMP) postgres  ## the whole suite (pytest args: make test ARGS="-k compose -x")
	$(PY) -m tests.run $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy models runtime screening registry activities workflows clients starter admin devstack worker.py benchmarks tests

bench: $(STAMP)
	$(PY) -m benchmarks.matcher_bench

bench-search: $(STAMP)
	$(PY) -m benchmarks.search_bench

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -e '.[dev]'
	touch $@

# PostgreSQL on 127.0.0.1:5432 for the tests that need the real thing: started when it is down and
# this machine has Debian's cluster tools; otherwise those tests say what is missing.
postgres:
	@if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h $(PG_HOST) -p $(PG_PORT); then \
	  true; \
	elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n 1) main start \
	    || echo "warning: could not start PostgreSQL" >&2; \
	  for i in $$(seq 30); do pg_isready -q -h $(PG_HOST) -p $(PG_PORT) && break; sleep 1; done; \
	else \
	  echo "warning: PostgreSQL is not answering on $(PG_HOST):$(PG_PORT) and cannot be started here" >&2; \
	fi

clean:  ## local state (embedded databases, mail, Temporal's file) and caches; keeps the venv
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
