# Kaifaqu: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migrate demo lint format messages bench fuzz screenshots clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_stats
	$(BIN)/python manage.py seed_demo_projects

# The import worker (validation and commit of uploaded files) runs beside the web server and stops with it.
run: demo
	$(BIN)/python manage.py print_demo_accounts
	@echo "导入任务进程 import worker: manage.py db_worker (stops with the server)"
	@DEBUG=$${DEBUG:-1} $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:8000

# Two runs: the database tests on two workers, then the browser journeys on their own (a live server's
# transactional flushes must not interleave with other tests).
test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $${PYTEST_WORKERS:-2} -m "not browser" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

# The API fuzzed from its own OpenAPI schema (Schemathesis) with many more examples than `make test` runs, plus
# data the schema forbids (refused with a documented 4xx) and stateful sequences that follow the schema's links. FUZZ_EXAMPLES and FUZZ_SEED to vary (docs/api.md).
fuzz: install
	KAIFAQU_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} KAIFAQU_FUZZ_SEED=$${FUZZ_SEED:-20261206} KAIFAQU_FUZZ_STATEFUL=1 KAIFAQU_FUZZ_NEGATIVE=1 \
		$(BIN)/python -m pytest -n 0 -p no:randomly kaifaqu/core/tests/test_api_fuzz.py $(PYTEST_ARGS)

# Each persona's first page on the demo data, from the browser journeys (docs/users/home.md).
screenshots: install
	$(BIN)/python -m pytest -m browser kaifaqu/core/tests/test_journeys.py $(PYTEST_ARGS)
	mkdir -p docs/screenshots
	for f in test-artifacts/test_first_hour_of_each_persona*-*.png; do \
		cp "$$f" "docs/screenshots/$${f##*\]-}"; done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=static --ignore=staticfiles
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
