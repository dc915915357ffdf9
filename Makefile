# The two commands: `make run` and `make test`. Everything else they need, they install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test unit bench lint schemas stack-up stack-down clean fuzz

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

# A long random campaign for humans (not CI): at least 10,000 cases over all operations of
# intake's OpenAPI spec; failures it finds are written to tests/data/fuzz-examples, which every
# `make test` replays. FUZZ_EXAMPLES is per operation and mode (positive; negative gets 2/3).
FUZZ_EXAMPLES ?= 600
fuzz: setup
	deploy/stack.sh run -- env TANGGAP_FUZZ_SEED=random TANGGAP_FUZZ_DB_WRITE=1 \
		TANGGAP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TANGGAP_FUZZ_MIN_CASES=10000 \
		$(BIN)/pytest -q -s tests/integration/intake/test_openapi_fuzz.py

unit: setup
	$(BIN)/pytest -q tests/unit

bench: setup
	deploy/stack.sh run -- sh -c 'for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done'

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
