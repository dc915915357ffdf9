# The two commands: `make run` and `make test`. Everything else they need, they install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test test-faults unit bench lint schemas stack-up stack-down clean

setup: $(STAMP) deploy/kafka/lib/.complete
	@deploy/install-promtool.sh >/dev/null

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

deploy/kafka/lib/.complete: deploy/kafka/pom.xml
	deploy/kafka.sh install

run: setup
	deploy/run.sh

test: setup
	deploy/stack.sh run -- $(BIN)/pytest -q

unit: setup
	$(BIN)/pytest -q tests/unit

# The fault suite's long version (the short one runs inside `make test`).
test-faults: setup
	deploy/stack.sh run -- env TANGGAP_FAULTS=long $(BIN)/pytest -q tests/faults

# Every benchmark, one table, var/bench/results.json; `make bench BENCH_ARGS=--quick` for a
# small run (about two minutes), `BENCH_ARGS="--pipeline-seconds 600"` for a longer one.
BENCH_ARGS ?=
bench: setup
	deploy/stack.sh run -- $(BIN)/python bench/run.py $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check schemas services tests deploy bench

schemas: setup
	$(BIN)/tanggap schemas export

stack-up: setup
	deploy/stack.sh up

stack-down:
	deploy/stack.sh down

clean: stack-down
	rm -rf var
