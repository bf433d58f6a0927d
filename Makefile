# Two commands on a fresh machine: `make run` and `make test`. Both build .venv themselves
# when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# What `make lint` (and CI) checks with ruff and mypy: the whole core and the adapters, and the
# architecture tests (the rest of tests/ is not clean yet).
LINT_PATHS := arenabot adapters tests/core/test_architecture.py tests/core/test_command_registry.py \
	tests/core/test_middleware.py tests/core/test_scheduler.py

.PHONY: run test lint setup clean mutate

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "arenabot needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[test,plot]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	@$(BIN)/arenabot run

test: $(STAMP)
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

# mypy follows imports silently: it reads the modules LINT_PATHS use but reports only LINT_PATHS.
lint: $(STAMP)
	@$(BIN)/ruff check $(LINT_PATHS)
	@$(BIN)/ruff format --check $(LINT_PATHS)
	@$(BIN)/mypy --follow-imports=silent $(LINT_PATHS)

# Mutation testing, on demand only (not in `make test` or CI): mutmut plants small bugs in the
# vote transaction, the identity-leak detector, the ratings engine and the sweeper, runs the tests
# that reach each one, and the report prints the kill rate and every survivor. CPU-heavy: it runs
# niced, one worker by default. A subset: make mutate MUTANTS='arenabot.anonymity.*'
# (PostgreSQL-only tests run too when ARENABOT_TEST_POSTGRES_URL is set.)
MUTANTS ?= arenabot.storage.voting.* arenabot.storage.tally.* arenabot.anonymity.* \
	arenabot.ratings.bt.* arenabot.ratings.ci.* arenabot.features.battles.service.*sweep__mutmut_* \
	arenabot.storage.store.*expired_open_battles__mutmut_*
MUTATE_JOBS ?= 1
MUTATE_STAMP := $(VENV)/.installed-mutate

$(MUTATE_STAMP): $(STAMP)
	@$(BIN)/python -m pip install --quiet -e '.[test,plot,mutate]'
	@touch $(MUTATE_STAMP)

mutate: $(MUTATE_STAMP)
	-nice -n 19 $(BIN)/mutmut run --max-children $(MUTATE_JOBS) $(foreach m,$(MUTANTS),'$(m)')
	@$(BIN)/mutmut results --all true | $(BIN)/python scripts/mutation-report.py $(foreach m,$(MUTANTS),'$(m)')

clean:
	rm -rf $(VENV) build *.egg-info mutants
