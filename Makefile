# The two commands: `make run` and `make test`. Everything else they need, they install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test unit bench lint schemas deploy-files strimzi-schemas stack-up stack-down clean chromium demo fuzz test-faults test-mutations

VALIDATORS := deploy/validators/node_modules/.complete

setup: $(STAMP) deploy/kafka/lib/.complete $(VALIDATORS) chromium
	@deploy/install-promtool.sh >/dev/null
	@deploy/install-kustomize.sh >/dev/null

# The console's browser tests drive Debian's chromium (Playwright's own browser download is not
# used); installed when missing if we are root (CI), else say how.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2; fi; }

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

deploy/kafka/lib/.complete: deploy/kafka/pom.xml
	deploy/kafka.sh install

# Node validators of the AsyncAPI document (@asyncapi/parser, @asyncapi/specs), from the lockfile.
$(VALIDATORS): deploy/validators/package.json deploy/validators/package-lock.json
	cd deploy/validators && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

run: setup
	deploy/run.sh

# Two pytest workers (pytest-xdist), a test file each at a time: most of the suite waits on
# service processes, Kafka and PostgreSQL, so two overlap on two cores. Every worker is a
# session of its own (its own topic prefix and databases). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: setup
	deploy/stack.sh run -- $(BIN)/pytest -q --durations=25 -n $(TEST_WORKERS) --dist loadfile

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

# The fault suite's long version (the short one runs inside `make test`).
test-faults: setup
	deploy/stack.sh run -- env TANGGAP_FAULTS=long $(BIN)/pytest -q tests/faults

# The personal-data test against seven re-introduced leaks (copies of the code): each must fail.
test-mutations: setup
	deploy/stack.sh run -- $(BIN)/python -m tests.integration.security.mutations

# Every benchmark, one table, var/bench/results.json; `make bench BENCH_ARGS=--quick` for a
# small run (about two minutes), `BENCH_ARGS="--pipeline-seconds 600"` for a longer one.
BENCH_ARGS ?=
bench: setup
	deploy/stack.sh run -- $(BIN)/python bench/run.py $(BENCH_ARGS)

demo: setup
	$(BIN)/tanggap demo

lint: setup
	$(BIN)/ruff check schemas services tests deploy bench

schemas: setup
	$(BIN)/tanggap schemas export

# The generated deployment files: Grafana dashboard, KafkaTopics/KafkaUsers, workloads, rules.
deploy-files: setup
	$(BIN)/python -m deploy.generate

# Strimzi CRD schemas from Maven Central (needs Java 21+); committed, so rarely needed.
strimzi-schemas: setup
	deploy/k8s/strimzi-schemas.sh

stack-up: setup
	deploy/stack.sh up

stack-down:
	deploy/stack.sh down

clean: stack-down
	rm -rf var
