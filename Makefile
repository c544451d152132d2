# Two commands for a new user: `make run` and `make test`. Everything else is below them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tracker
STAMP := $(VENV)/.installed

#: What bandit scans; medium and high findings (any confidence) fail `make test`.
BANDIT_PATHS ?= tracker migrations deploy bench

.PHONY: run test bandit test-sqlite test-postgres install migrate demo worker scheduler bench translations check-workflows

run: $(STAMP) ## Serve http://127.0.0.1:5000 with SQLite and demo data (no Redis needed)
	$(BIN)/pybabel compile -d tracker/translations
	$(FLASK) db upgrade
	$(FLASK) demo
	SWEEP_IN_PROCESS=1 $(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP) ## Import contracts, bandit, then the whole test suite (SQLite; PostgreSQL and Redis when TEST_DATABASE_URL / REDIS_URL are set)
	$(BIN)/lint-imports --no-cache
	$(MAKE) --no-print-directory bandit
	$(BIN)/pybabel compile -d tracker/translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

bandit: $(STAMP) ## Static security scan: fails on any medium or high finding
	$(BIN)/bandit --quiet --recursive --severity-level medium $(BANDIT_PATHS)

migrate: $(STAMP)
	$(FLASK) db upgrade

demo: $(STAMP)
	$(FLASK) demo

worker: $(STAMP) ## An RQ worker (needs REDIS_URL)
	$(FLASK) worker

scheduler: $(STAMP) ## Enqueues the sweep every minute (needs REDIS_URL)
	$(FLASK) scheduler

check-workflows: $(STAMP)
	$(FLASK) workflows check

translations: $(STAMP) ## Extract German source texts and update the English catalog (then fill in empty msgstr)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --ignore-dirs='.* __pycache__ node_modules' -o tracker/translations/messages.pot .
	if [ -f tracker/translations/en/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations -l en --no-fuzzy-matching --ignore-obsolete --no-wrap; \
	else \
	  $(BIN)/pybabel init -i tracker/translations/messages.pot -d tracker/translations -l en --no-wrap; \
	fi
	$(BIN)/pybabel compile --statistics -d tracker/translations

bench: $(STAMP) ## Benchmarks on PostgreSQL (BENCH_DATABASE_URL, default the local test database), then the load test
	$(BIN)/python -m bench
	$(BIN)/python -m bench.load
