# Two commands on a fresh machine: `make run` and `make test`. Both build .venv themselves
# when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# What `make lint` (and CI) checks with ruff and mypy. For now the files the architecture change
# created; the tree-wide clean-up widens it to `arenabot adapters tests`.
LINT_PATHS := arenabot/arena.py arenabot/events.py arenabot/middleware.py arenabot/scheduling.py \
	arenabot/chatcommands arenabot/features arenabot/ops/scheduler.py arenabot/ops/observe.py \
	adapters/discord/commands.py tests/core/test_architecture.py tests/core/test_command_registry.py \
	tests/core/test_middleware.py tests/core/test_scheduler.py

.PHONY: run test lint setup clean

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

clean:
	rm -rf $(VENV) build *.egg-info
