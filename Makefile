# The two commands of the README: `make run` and `make test`. Only Python >= 3.11 and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := sample_data/full
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME := $(CURDIR)/.prefect

.PHONY: install install-dev run test lint sample-small bench clean

# uv installs the pinned dependencies with parallel downloads, several times faster than pip on a
# cold cache; pip puts uv itself into the venv, so Python and make remain all that is needed.
UV_VERSION := 0.13.8
UV_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode
# The test suite in parallel (pytest-xdist), each test file whole on one worker (its module fixtures
# are built once). Not loadgroup: xdist 3.8 cannot add its group to pytest 9.2's node ids.
TEST_WORKERS ?= 2

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(UV_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/uv
	$(UV_INSTALL) -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(SAMPLE)/input/registry/registry.csv: | $(VENV)/.installed
	$(BIN)/ducpho-etl sample --output $(SAMPLE) --scale 1

run: install $(SAMPLE)/input/registry/registry.csv
	$(BIN)/ducpho-etl run --input $(SAMPLE)/input --output output
	$(BIN)/ducpho-etl evaluate --truth $(SAMPLE)/truth --output output

test: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

lint: install-dev
	$(BIN)/ruff check .

sample-small: install
	$(BIN)/ducpho-etl sample --output sample_data/small --scale 0.02

clean:
	rm -rf output .prefect $(SAMPLE)

# The nightly schedule on a real Prefect server (schedules never fire on the embedded server that
# `make run` uses): `make server` in one terminal (UI at http://127.0.0.1:$(PREFECT_PORT)), then
# either `make deploy` + `make worker` (the server keeps the schedule; survives restarts) or
# `make serve` (this process holds the schedule while it runs). SCHEDULE="--interval 120" (seconds)
# or SCHEDULE='--cron "30 2 * * *"' overrides the default 01:00 nightly, Việt Nam time.
PREFECT_PORT ?= 4200
PREFECT_API := http://127.0.0.1:$(PREFECT_PORT)/api
POOL ?= ducpho-process
SCHEDULE ?=
.PHONY: server serve deploy worker

server: install
	PREFECT_API_URL=$(PREFECT_API) PREFECT_UI_API_URL=$(PREFECT_API) \
		$(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT)

serve: install $(SAMPLE)/input/registry/registry.csv
	PREFECT_API_URL=$(PREFECT_API) $(BIN)/ducpho-etl serve \
		--input $(SAMPLE)/input --output output $(SCHEDULE)

deploy: install $(SAMPLE)/input/registry/registry.csv
	PREFECT_API_URL=$(PREFECT_API) $(BIN)/ducpho-etl deploy \
		--input $(SAMPLE)/input --output output --pool $(POOL) $(SCHEDULE)

worker: install
	PREFECT_API_URL=$(PREFECT_API) $(BIN)/prefect worker start --pool $(POOL) --type process
